// AbortSignal support shared by the calls that wait (Process.join, Connection.send/poll): the
// option checked in the house format, and a wait given up when the signal aborts. Every abort
// rejects with the signal's own reason (an AbortError DOMException, or the TimeoutError
// DOMException of AbortSignal.timeout()), as Node's own AbortSignal-aware APIs do.
import type { Launcher } from './launcher/launcher.ts';
import { typeError } from './options.ts';

/** `{ timeoutMs, signal }` of a call that waits. */
export interface AbortableOptions {
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** The `signal` option, checked: an AbortSignal or undefined. */
export function checkAbortSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) typeError('signal', 'an AbortSignal', value);
  return value;
}

/** `promise`, or a rejection with the signal's reason as soon as `signal` aborts (the work itself goes on). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

// A join with a signal waits in slices, so the launcher's wait left behind by an abort (which may
// keep the loop alive for a daemon child) ends soon after.
const JOIN_SLICE_MS = 1000;

/** The child's exit code once it ended; null when `timeoutMs` passed first; rejects when `signal` aborts. */
export async function joinLauncher(
  launcher: Launcher,
  timeoutMs: number | undefined,
  signal: AbortSignal | undefined,
): Promise<number | null> {
  if (signal === undefined) return launcher.wait(timeoutMs);
  signal.throwIfAborted();
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    const code = await untilAborted(launcher.wait(Math.max(0, Math.min(JOIN_SLICE_MS, left))), signal);
    if (code !== null) return code;
    if (Date.now() >= deadline) return null;
  }
}
