// Locks, semaphores and events as they live in the manager's process, for the proxies of
// Manager.Lock(), RLock(), Semaphore(), BoundedSemaphore() and Event(). Waits are FIFO and never
// block the server; a client that disconnects stops waiting, and a lock it held is handed to
// the next acquirer with OwnerDiedError (as multiproc's own locks do when their holder dies).
import { NotOwnerError, OwnerDiedError, TooManyReleasesError } from '../../sync/errors.ts';
import { typeError } from '../../options.ts';
import { timeoutArg, WaitList, type Caller } from './waiting.ts';

/** Methods of a referent that take the Caller as their first argument. */
export const kWithCaller = Symbol.for('multiproc.manager.withCaller');
/** A referent's hook, run when a client disconnects (its locks are abandoned). */
export const kCallerGone = Symbol.for('multiproc.manager.callerGone');

/** The referent of a Lock proxy (recursive: an RLock), owned by one client connection at a time. */
export class LockReferent {
  static readonly [kWithCaller] = new Set(['acquire', 'release', 'owned', 'releaseAll', 'restore']);
  readonly #recursive: boolean;
  readonly #waiters = new WaitList();
  #owner: Caller | null = null;
  #depth = 0;
  #abandonedBy: number | null = null;

  constructor(recursive = false) {
    this.#recursive = recursive;
  }

  async acquire(caller: Caller, blocking: unknown = true, timeoutMs?: unknown): Promise<boolean> {
    const timeout = timeoutArg(timeoutMs);
    if (this.#owner === null) return this.#take(caller);
    if (this.#recursive && this.#owner.id === caller.id) {
      this.#depth++;
      return true;
    }
    if (blocking === false) return false;
    const got = await this.#waiters.wait(caller, timeout);
    return got ? this.#taken() : false;
  }

  release(caller: Caller): void {
    if (this.#owner === null) throw new NotOwnerError(`Cannot release an unlocked ${this.#what()}.`, null);
    if (this.#owner.id !== caller.id)
      throw new NotOwnerError(
        `Cannot release this ${this.#what()}: process ${this.#owner.pid} holds it, not process ${caller.pid}.`,
        this.#owner.pid,
      );
    if (--this.#depth > 0) return;
    this.#handOver();
  }

  locked(): boolean {
    return this.#owner !== null;
  }

  /** True if the caller holds it (Condition checks this). */
  owned(caller: Caller): boolean {
    return this.#owner?.id === caller.id;
  }

  /** Condition.wait(): release whatever depth the caller holds; returns it for restore(). */
  releaseAll(caller: Caller): number {
    if (!this.owned(caller))
      throw new NotOwnerError(
        `Cannot wait on a Condition whose ${this.#what()} this process does not hold; acquire it first.`,
        this.#owner?.pid ?? null,
      );
    const depth = this.#depth;
    this.#depth = 0;
    this.#handOver();
    return depth;
  }

  /** Condition.wait(): take the lock back at the depth releaseAll() returned. */
  async restore(caller: Caller, depth: number): Promise<void> {
    await this.acquire(caller);
    this.#depth = depth;
  }

  [kCallerGone](caller: Caller): void {
    if (this.#owner?.id !== caller.id) return;
    this.#depth = 0;
    this.#abandonedBy = caller.pid;
    this.#handOver();
  }

  #take(caller: Caller): boolean {
    this.#owner = caller;
    this.#depth = 1;
    return this.#taken();
  }

  // The caller owns the lock now; an abandoned lock says so (the caller holds it all the same).
  #taken(): boolean {
    const dead = this.#abandonedBy;
    if (dead === null) return true;
    this.#abandonedBy = null;
    throw new OwnerDiedError(dead, this.#what());
  }

  #handOver(): void {
    this.#owner = null;
    this.#waiters.wakeOne((next) => {
      this.#owner = next;
      this.#depth = 1;
    });
  }

  #what(): string {
    return this.#recursive ? 'RLock' : 'Lock';
  }
}

/** The referent of a Semaphore proxy (bounded: a BoundedSemaphore). */
export class SemaphoreReferent {
  static readonly [kWithCaller] = new Set(['acquire']);
  readonly #waiters = new WaitList();
  readonly #bound: number | null;
  #value: number;

  constructor(value: unknown = 1, bounded = false) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) typeError('value', 'a non-negative integer', value);
    this.#value = value;
    this.#bound = bounded ? value : null;
  }

  async acquire(caller: Caller, blocking: unknown = true, timeoutMs?: unknown): Promise<boolean> {
    const timeout = timeoutArg(timeoutMs);
    if (this.#value > 0 && this.#waiters.size === 0) {
      this.#value--;
      return true;
    }
    if (blocking === false) return false;
    return this.#waiters.wait(caller, timeout);
  }

  release(n: unknown = 1): void {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) typeError('n', 'a positive integer', n);
    if (this.#bound !== null && this.#value + n > this.#bound)
      throw new TooManyReleasesError(
        `The BoundedSemaphore was released more times than it was acquired (its value would exceed ${this.#bound}).`,
      );
    for (let i = 0; i < n; i++) if (!this.#waiters.wakeOne()) this.#value++;
  }

  getValue(): number {
    return this.#value;
  }
}

/** The referent of an Event proxy. */
export class EventReferent {
  static readonly [kWithCaller] = new Set(['wait']);
  readonly #waiters = new WaitList();
  #flag = false;

  set(): void {
    this.#flag = true;
    this.#waiters.wakeAll();
  }
  clear(): void {
    this.#flag = false;
  }
  isSet(): boolean {
    return this.#flag;
  }
  async wait(caller: Caller, timeoutMs?: unknown): Promise<boolean> {
    const timeout = timeoutArg(timeoutMs);
    if (this.#flag) return true;
    return this.#waiters.wait(caller, timeout);
  }
}
