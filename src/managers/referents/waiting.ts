// The server side's waiting: callers of a shared lock, event, queue … wait in FIFO lists with an
// optional timeout, and stop waiting when their client disconnects (its signal aborts).
import { rangeError, typeError } from '../../options.ts';
import { ManagerClosedError } from '../errors.ts';

/** Who called a method of a shared object: one client connection (a process), and its liveness. */
export interface Caller {
  /** The connection's number in this server. */
  readonly id: number;
  /** The client process's pid (as it said when it connected). */
  readonly pid: number;
  /** Aborts when the client disconnects, or cancels this call. */
  readonly signal: AbortSignal;
}

interface Waiter {
  caller: Caller;
  settle(woken: boolean): void;
}

/** A FIFO of waiting callers: wait() resolves true when woken, false at the timeout. */
export class WaitList {
  readonly #waiters: Waiter[] = [];

  /** Number of callers waiting. */
  get size(): number {
    return this.#waiters.length;
  }

  /** Wait until woken (true) or `timeoutMs` passes (false); rejects when the caller goes away. */
  wait(caller: Caller, timeoutMs: number | undefined): Promise<boolean> {
    if (timeoutMs !== undefined && timeoutMs <= 0) return Promise.resolve(false);
    if (caller.signal.aborted) return Promise.reject(gone(caller));
    return new Promise<boolean>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        this.#remove(waiter);
        clear();
        reject(gone(caller));
      };
      const clear = () => {
        if (timer !== undefined) clearTimeout(timer);
        caller.signal.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        caller,
        settle: (woken) => {
          clear();
          resolve(woken);
        },
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.#remove(waiter);
          waiter.settle(false);
        }, timeoutMs);
      }
      caller.signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Wake the longest waiter; `grant` runs for it first (a lock handed over). False if nobody waits. */
  wakeOne(grant?: (caller: Caller) => void): boolean {
    const waiter = this.#waiters.shift();
    if (waiter === undefined) return false;
    grant?.(waiter.caller);
    waiter.settle(true);
    return true;
  }

  /** Wake every waiter. */
  wakeAll(): void {
    while (this.wakeOne());
  }

  #remove(waiter: Waiter): void {
    const at = this.#waiters.indexOf(waiter);
    if (at >= 0) this.#waiters.splice(at, 1);
  }
}

// Why a wait ended early: the call was cancelled (its reason), or the client disconnected.
function gone(caller: Caller): Error {
  const reason: unknown = caller.signal.reason;
  return reason instanceof Error ? reason : new ManagerClosedError('The client that waited disconnected.');
}

/** A timeout argument of a shared object's method: undefined or a non-negative number. */
export function timeoutArg(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value)) typeError('timeoutMs', 'a number of milliseconds', value);
  if (value < 0) rangeError('timeoutMs', 'a non-negative number of milliseconds', value);
  return value;
}
