// Waiting for children forked through multiproc/os. Only those pids are ever waited for: the
// children that child_process started are reaped by Node itself. The async waits watch a pidfd
// on Node's loop (no thread, no blocking) and reap with waitpid(WNOHANG) once it is readable.
import type { FdWatcher, NativeBinding } from '../native/types.ts';
import { requireNative } from '../native/binding.ts';
import { typeError, rangeError } from '../options.ts';
import { noChildError, toWaitResult, type WaitResult } from './status.ts';

/** Options of waitpid()/waitpidSync(). */
export interface WaitpidOptions {
  /** Return null at once instead of waiting when the child still runs (WNOHANG). */
  noHang?: boolean;
}

interface Pending {
  promise: Promise<WaitResult>;
  resolve: (result: WaitResult) => void;
  reject: (error: unknown) => void;
  watcher: FdWatcher;
  pidfd: number;
}

/** Children forked through fork(): the ones wait() and waitpid() may reap. */
const children = new Set<number>();
const pending = new Map<number, Pending>();
const anyWaiters: Array<{ resolve: (result: WaitResult) => void; reject: (error: unknown) => void }> = [];

/** Remember a pid this process forked (the parent side of fork()). */
export function trackChild(pid: number): void {
  children.add(pid);
  if (anyWaiters.length > 0) void watch(requireNative('multiproc/os wait()'), pid).catch(() => {});
}

/** In a forked child: the parent's children are not ours; drop them and the watches on them. */
export function forgetChildrenAfterFork(native: NativeBinding): void {
  for (const entry of pending.values()) {
    entry.watcher.close();
    native.close(entry.pidfd);
  }
  pending.clear();
  children.clear();
  anyWaiters.length = 0; // their promises belong to the parent and never settle here
}

function checkPid(pid: unknown): number {
  if (typeof pid !== 'number') return typeError('pid', 'a positive integer', pid);
  if (!Number.isInteger(pid) || pid <= 0) return rangeError('pid', 'a positive integer', pid);
  return pid;
}

function checkNoHang(options: unknown): boolean {
  if (options === undefined) return false;
  if (typeof options !== 'object' || options === null) return typeError('options', 'an object like { noHang: true }', options);
  const { noHang = false } = options as WaitpidOptions;
  if (typeof noHang !== 'boolean') return typeError('noHang', 'a boolean', noHang);
  return noHang;
}

function unknownChild(syscall: string, pid: number): Error {
  return noChildError(syscall, `${pid} is not a child forked through multiproc/os, or it was already waited for`);
}

/** A child was reaped (by any path): settle whoever waits for it. */
function settle(result: WaitResult): WaitResult {
  const tracked = children.delete(result.pid);
  const entry = pending.get(result.pid);
  if (entry !== undefined) {
    pending.delete(result.pid);
    entry.watcher.close();
    requireNative('multiproc/os wait()').close(entry.pidfd);
    entry.resolve(result);
  }
  if (tracked) anyWaiters.shift()?.resolve(result);
  if (anyWaiters.length > 0 && children.size === 0) {
    for (const waiter of anyWaiters.splice(0)) waiter.reject(noChildError('wait', 'no child forked through multiproc/os is left'));
  }
  return result;
}

function reap(native: NativeBinding, pid: number, noHang: boolean): WaitResult | null {
  const status = native.waitpid(pid, noHang);
  return status === null ? null : settle(toWaitResult(status));
}

/** The one pending wait on `pid`, created on first need: a pidfd watched on Node's loop. */
function watch(native: NativeBinding, pid: number): Promise<WaitResult> {
  const existing = pending.get(pid);
  if (existing !== undefined) return existing.promise;
  const pidfd = native.pidfdOpen(pid);
  let resolve!: (result: WaitResult) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<WaitResult>((res, rej) => ((resolve = res), (reject = rej)));
  const watcher = native.watchReadable(pidfd, () => {
    try {
      reap(native, pid, true); // readable pidfd: the child has ended, this does not block
    } catch (error) {
      const entry = pending.get(pid);
      pending.delete(pid);
      children.delete(pid);
      watcher.close();
      native.close(pidfd);
      entry?.reject(error);
    }
  });
  pending.set(pid, { promise, resolve, reject, watcher, pidfd });
  return promise;
}

/** Wait for child `pid` without blocking the event loop; null with `{ noHang: true }` while it runs. */
export async function waitpid(pid: number, options?: WaitpidOptions): Promise<WaitResult | null> {
  checkPid(pid);
  const noHang = checkNoHang(options);
  if (!children.has(pid)) throw unknownChild('waitpid', pid);
  const native = requireNative('multiproc/os waitpid()');
  const done = reap(native, pid, true);
  if (done !== null || noHang) return done;
  return watch(native, pid);
}

/** Wait for any child forked through fork() without blocking the event loop (ECHILD if none). */
export async function wait(): Promise<WaitResult> {
  const native = requireNative('multiproc/os wait()');
  const pids = [...children];
  if (pids.length === 0) throw noChildError('wait', 'no child forked through multiproc/os is left');
  for (const pid of pids) {
    const done = reap(native, pid, true);
    if (done !== null) return done;
  }
  const result = new Promise<WaitResult>((resolve, reject) => anyWaiters.push({ resolve, reject }));
  for (const pid of pids) void watch(native, pid).catch(() => {}); // failures reject via settle/ECHILD
  return result;
}

/** Like waitpid(), blocking the calling thread (the event loop too) as the C call does. */
export function waitpidSync(pid: number, options?: WaitpidOptions): WaitResult | null {
  checkPid(pid);
  const noHang = checkNoHang(options);
  if (!children.has(pid)) throw unknownChild('waitpid', pid);
  return reap(requireNative('multiproc/os waitpidSync()'), pid, noHang);
}

/** Like wait(), blocking: poll(2) on the pidfds of every child forked through fork(). */
export function waitSync(): WaitResult {
  const native = requireNative('multiproc/os waitSync()');
  const pids = [...children];
  if (pids.length === 0) throw noChildError('wait', 'no child forked through multiproc/os is left');
  for (const pid of pids) {
    const done = reap(native, pid, true);
    if (done !== null) return done;
  }
  const fds = pids.map((pid) => native.pidfdOpen(pid));
  try {
    for (;;) {
      for (const fd of native.pollReadable(fds, -1)) {
        const done = reap(native, pids[fds.indexOf(fd)]!, true);
        if (done !== null) return done;
      }
    }
  } finally {
    for (const fd of fds) native.close(fd);
  }
}
