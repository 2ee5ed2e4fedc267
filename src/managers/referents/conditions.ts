// Condition and Barrier as they live in the manager's process (threading.Condition and
// threading.Barrier semantics). A Barrier party whose client disconnects while waiting breaks
// the barrier, so the other parties get BrokenBarrierError instead of waiting forever.
import { BrokenBarrierError } from '../../sync/errors.ts';
import { typeError } from '../../options.ts';
import { NestedRef } from '../objects.ts';
import { kWithCaller, LockReferent } from './locks.ts';
import { timeoutArg, WaitList, type Caller } from './waiting.ts';

/** The referent of a Condition proxy, over its own RLock or a shared Lock/RLock. */
export class ConditionReferent {
  static readonly [kWithCaller] = new Set(['acquire', 'release', 'wait', 'notify', 'notifyAll']);
  readonly #lock: LockReferent;
  readonly #waiters = new WaitList();

  constructor(given?: unknown) {
    const lock = given instanceof NestedRef ? given.referent : given;
    if (lock === undefined || lock === null) this.#lock = new LockReferent(true);
    else if (lock instanceof LockReferent) this.#lock = lock;
    else this.#lock = typeError('lock', 'a Lock or RLock of the same manager (m.Lock(), m.RLock())', lock);
  }

  acquire(caller: Caller, blocking: unknown = true, timeoutMs?: unknown): Promise<boolean> {
    return this.#lock.acquire(caller, blocking, timeoutMs);
  }
  release(caller: Caller): void {
    this.#lock.release(caller);
  }
  async wait(caller: Caller, timeoutMs?: unknown): Promise<boolean> {
    const timeout = timeoutArg(timeoutMs);
    const depth = this.#lock.releaseAll(caller);
    let woken = false;
    try {
      woken = await this.#waiters.wait(caller, timeout);
    } finally {
      if (!caller.signal.aborted) await this.#lock.restore(caller, depth);
    }
    return woken;
  }
  notify(caller: Caller, n: unknown = 1): void {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) typeError('n', 'a non-negative integer', n);
    this.#checkOwned(caller, 'notify');
    for (let i = 0; i < n && this.#waiters.wakeOne(); i++);
  }
  notifyAll(caller: Caller): void {
    this.#checkOwned(caller, 'notifyAll');
    this.#waiters.wakeAll();
  }
  #checkOwned(caller: Caller, what: string): void {
    if (!this.#lock.owned(caller)) this.#lock.releaseAll(caller); // throws NotOwnerError, as Python's RuntimeError
    void what;
  }
}

interface Party {
  caller: Caller;
  resolve(index: number): void;
  reject(error: Error): void;
}

/** The referent of a Barrier proxy. */
export class BarrierReferent {
  static readonly [kWithCaller] = new Set(['wait']);
  readonly #parties: number;
  readonly #defaultTimeout: number | undefined;
  readonly #action: (() => unknown) | null;
  #waiting: Party[] = [];
  #broken = false;
  /** The last party is running the action: arrivals meanwhile wait for the next round. */
  #passing: Promise<unknown> | null = null;

  /** `action`: run here by the last party to arrive, before the others are released (Python's Barrier action). */
  constructor(parties: unknown, timeoutMs?: unknown, action: (() => unknown) | null = null) {
    if (typeof parties !== 'number' || !Number.isInteger(parties) || parties < 1) typeError('parties', 'a positive integer', parties);
    this.#parties = parties;
    this.#defaultTimeout = timeoutArg(timeoutMs);
    this.#action = action;
  }

  async wait(caller: Caller, timeoutMs?: unknown): Promise<number> {
    while (this.#passing !== null) await this.#passing.catch(() => undefined);
    const timeout = timeoutArg(timeoutMs) ?? this.#defaultTimeout;
    if (this.#broken) throw brokenError();
    const index = this.#waiting.length;
    if (index + 1 === this.#parties) return this.#pass(index);
    return new Promise<number>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => this.abort();
      const done = () => {
        if (timer !== undefined) clearTimeout(timer);
        caller.signal.removeEventListener('abort', onAbort);
      };
      this.#waiting.push({
        caller,
        resolve: (i) => {
          done();
          resolve(i);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
      if (timeout !== undefined) timer = setTimeout(() => this.abort(), timeout);
      caller.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  // The last party: run the action (its error breaks the barrier and is this party's), then release everyone.
  async #pass(index: number): Promise<number> {
    if (this.#action !== null) {
      const action = this.#action;
      const running = (async () => {
        await action();
      })();
      this.#passing = running;
      try {
        await running;
      } catch (error) {
        this.abort();
        throw error;
      } finally {
        this.#passing = null;
      }
      // abort() or reset() while the action ran: the waiting parties were failed already.
      if (this.#broken || this.#waiting.length !== index) throw brokenError();
    }
    const parties = this.#waiting;
    this.#waiting = [];
    parties.forEach((party, i) => party.resolve(i));
    return index;
  }

  /** Break the barrier: waiting parties and later waits get BrokenBarrierError until reset(). */
  abort(): void {
    this.#broken = true;
    this.#failWaiting();
  }

  /** Back to the initial state; parties waiting now get BrokenBarrierError. */
  reset(): void {
    this.#failWaiting();
    this.#broken = false;
  }

  broken(): boolean {
    return this.#broken;
  }
  nWaiting(): number {
    return this.#waiting.length;
  }
  parties(): number {
    return this.#parties;
  }

  #failWaiting(): void {
    const parties = this.#waiting;
    this.#waiting = [];
    for (const party of parties) party.reject(brokenError());
  }
}

function brokenError(): BrokenBarrierError {
  return new BrokenBarrierError(
    'The Barrier is broken (aborted, reset, timed out, or a party disconnected while waiting); reset() it to use it again.',
  );
}
