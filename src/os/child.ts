// What a forked child does before fork() returns 0 in it: fresh ids, the parent's children,
// timers and handles let go, every exit routed to _exit(2), after-fork hooks run.
import type { NativeBinding } from '../native/types.ts';
import { routeChildExit } from './exit.ts';
import { closeInheritedHandles, isStdio } from './handles.ts';
import { clearInheritedTimers } from './timers.ts';
import { forgetChildrenAfterFork } from './wait.ts';

const hooks = new Set<() => void>();
let forkedChild = false;

/** Run `hook` in every child forked from now on, after the inherited state was dropped (like Python's register_after_fork). */
export function registerAfterFork(hook: () => void): () => void {
  hooks.add(hook);
  return () => hooks.delete(hook);
}

/** Whether this process is a child created by multiproc's fork(). */
export function isForkedChild(): boolean {
  return forkedChild;
}

// Requests that use the libuv thread pool: in flight at fork time, they were being worked on by
// threads the child does not have, so they never complete there. Handle-bound requests
// (writes, connects, shutdowns) are cancelled when their handles are closed.
const THREAD_POOL_REQUESTS = new Set(['FSReqCallback', 'FSReqPromise', 'FileHandleCloseReq', 'GetAddrInfoReqWrap', 'GetNameInfoReqWrap']);

interface ActiveInfo { _getActiveRequests(): object[]; _getActiveHandles(): object[] }
const active = process as unknown as ActiveInfo;

/**
 * A loop holding a stuck inherited request never ends by itself. When there are some, an
 * unref'd check (every 50 ms) ends the child the way the end of its loop would ('beforeExit',
 * then exit) once nothing of its own is left: no request but the stuck ones, no ref'd handle
 * but stdio, no ref'd timer or immediate.
 */
function watchForStuckRequests(): void {
  const stuck = new Set(active._getActiveRequests().filter((request) => THREAD_POOL_REQUESTS.has(request.constructor.name)));
  if (stuck.size === 0) return;
  const idle = () =>
    active._getActiveRequests().every((request) => stuck.has(request)) &&
    active._getActiveHandles().every((handle) => isStdio(handle as Record<string, unknown>)) &&
    !process.getActiveResourcesInfo().some((name) => name === 'Timeout' || name === 'Immediate');
  let idleOnce = false;
  const check = setInterval(() => {
    if (!idle()) {
      idleOnce = false;
    } else if (!idleOnce) {
      idleOnce = true; // give 'beforeExit' listeners (and what they schedule) one period
      process.emit('beforeExit', Number(process.exitCode ?? 0));
    } else {
      clearInterval(check);
      process.exit();
    }
  }, 50);
  check.unref();
}

/** The child's side of fork(). */
export function becomeChild(native: NativeBinding): void {
  forkedChild = true;
  const pid = native.getpid();
  Object.defineProperty(process, 'pid', { value: pid, writable: false, enumerable: true, configurable: true });
  Object.defineProperty(process, 'ppid', { value: native.getppid(), writable: true, enumerable: true, configurable: true });
  forgetChildrenAfterFork(native);
  clearInheritedTimers();
  closeInheritedHandles();
  routeChildExit(native);
  for (const hook of hooks) hook();
  watchForStuckRequests();
}
