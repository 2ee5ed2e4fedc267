// Waiting on a word of shared memory: blocking (futexWait) and without blocking the event loop
// (futexWaitAsync: a native helper thread sleeps in futex_waitv and wakes the loop), with
// deadlines, AbortSignal, and the liveness check of a lock's owner.
import { readFileSync } from 'node:fs';
import { requireNative } from '../native/binding.ts';
import type { NativeBinding } from '../native/types.ts';
import { registerAfterFork } from '../os/child.ts';
import { normalizeTimeout } from '../options.ts';

/** What a wait ended with ('ok' may be spurious: re-check the word). */
export type FutexWaitResult = 'ok' | 'not-equal' | 'timed-out';

let native: NativeBinding | undefined;
/** The addon (loaded once). */
export function futexAddon(): NativeBinding {
  return (native ??= requireNative('multiproc synchronization primitives'));
}

/** Waits that run on helper threads, by id: a forked child forgets them (the threads are not there). */
const pending = new Map<number, (result: string) => void>();
registerAfterFork(() => {
  pending.clear();
  native?.syncAfterFork();
});

/** Options of every blocking operation. */
export interface WaitOptions {
  /** Give up after this many milliseconds (default: wait forever). */
  timeoutMs?: number | undefined;
  /** Abort the wait: the Promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

/** Milliseconds-since-epoch deadline (Infinity = none) from the `timeoutMs` option. */
export function deadlineOf(options: { timeoutMs?: number | undefined } | undefined): number {
  const timeoutMs = normalizeTimeout('timeoutMs', options?.timeoutMs);
  return timeoutMs === undefined ? Infinity : performance.now() + timeoutMs;
}

/** Milliseconds left before `deadline` (never negative; -1 = no deadline), capped at `cap`. */
export function remaining(deadline: number, cap = Infinity): number {
  if (deadline === Infinity) return cap === Infinity ? -1 : cap;
  return Math.min(cap, Math.max(0, Math.ceil(deadline - performance.now())));
}

/** Block until the int32 at `index` is no longer `expected`, a wake, or the timeout. */
export function futexWaitSync(i32: Int32Array, index: number, expected: number, timeoutMs: number): FutexWaitResult {
  return futexAddon().futexWait(i32.buffer as SharedArrayBuffer, i32.byteOffset + index * 4, expected, timeoutMs);
}

/** Wake up to `count` waiters of the int32 at `index` (in any process). */
export function wake(i32: Int32Array, index: number, count = 1): void {
  futexAddon().futexWake(i32.buffer as SharedArrayBuffer, i32.byteOffset + index * 4, count);
}

/**
 * futexWaitSync without blocking the loop. If `signal` aborts first, the Promise rejects with its
 * reason; a wake-up the helper received after the abort is passed on to another waiter
 * (`forward` true), so an abandoned wait never swallows a release.
 */
export function futexWaitAsync(
  i32: Int32Array,
  index: number,
  expected: number,
  timeoutMs: number,
  signal?: AbortSignal,
  forward = true,
): Promise<FutexWaitResult> {
  const binding = futexAddon();
  return new Promise((resolve, reject) => {
    let aborted = false;
    const onAbort = (): void => {
      aborted = true;
      binding.futexWaitCancel(id);
      // The signal's own reason, as every AbortSignal-aware API rejects with.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      reject(signal?.reason);
    };
    const id = binding.futexWaitAsync(i32.buffer as SharedArrayBuffer, i32.byteOffset + index * 4, expected, timeoutMs, (result) => {
      pending.delete(id);
      signal?.removeEventListener('abort', onAbort);
      if (aborted) {
        if (result === 'ok' && forward) binding.futexWake(i32.buffer as SharedArrayBuffer, i32.byteOffset + index * 4, 1);
        return;
      }
      if (result === 'error' || result === 'cancelled') reject(new Error(`futex wait failed (${result})`));
      else resolve(result);
    });
    pending.set(id, resolve as (result: string) => void);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Reject at once if `signal` is already aborted. */
export function checkSignal(signal: AbortSignal | undefined): void {
  if (signal === undefined) return;
  if (!(signal instanceof AbortSignal)) throw new TypeError('Expected `signal` to be an AbortSignal.');
  signal.throwIfAborted();
}

/** Whether `pid` is a live process (not gone, not a zombie). The own pid is always alive. */
export function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}
