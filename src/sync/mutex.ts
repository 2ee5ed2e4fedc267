// The lock word shared by Lock and RLock, in shared memory:
//   i32[0] = 0 (unlocked) | owner pid | WAITERS (someone may sleep on the word)
//   i32[1] = recursion depth (RLock; written by the owner only)
// Uncontended acquire is one compareExchange, release one exchange (plus a futex wake only when
// WAITERS is set). Waiters sleep on the word (futex), waking every LIVENESS_MS to check the
// owner is alive: a dead owner's lock is taken over with OwnerDiedError (robust-mutex style).
import { TimeoutError } from '../errors.ts';
import { NotOwnerError, OwnerDiedError } from './errors.ts';
import { checkSignal, deadlineOf, isAlive, remaining, wake, futexWaitAsync, futexWaitSync, type WaitOptions } from './futex.ts';

export const WAITERS = 1 << 30;
export const PID_MASK = WAITERS - 1;
const WORD = 0;
/** Atomics.load checks of the word before a blocking acquire sleeps (a few microseconds). */
const SPIN = 400;
/** How often a waiter checks that the owner still lives (a futex timeout, not a poll loop). */
export const LIVENESS_MS = 500;

/** A held lock, released when disposed (`using held = lock.holdSync()`). */
export interface Held extends Disposable, AsyncDisposable {
  release(): void;
}

/** The shared core of Lock and RLock: acquire/release of the owner word. */
export class MutexCore {
  readonly i32: Int32Array;
  readonly #what: string;

  constructor(i32: Int32Array, what: string) {
    this.i32 = i32;
    this.#what = what;
  }

  /** The pid holding the lock, or null. */
  owner(): number | null {
    const v = Atomics.load(this.i32, WORD) & PID_MASK;
    return v === 0 ? null : v;
  }

  /** One compareExchange: true if this process took the unlocked lock. */
  tryFast(): boolean {
    return Atomics.compareExchange(this.i32, WORD, 0, process.pid) === 0;
  }

  // One step of the slow path: 'acquired', or the value to sleep on. Throws OwnerDiedError after
  // taking over a dead owner's lock when `checkOwner` is set.
  #step(checkOwner: boolean): 'acquired' | number {
    const me = process.pid;
    for (;;) {
      const v = Atomics.load(this.i32, WORD);
      if (v === 0) {
        // Take it with WAITERS set: others may be asleep; the next release wakes one.
        if (Atomics.compareExchange(this.i32, WORD, 0, me | WAITERS) === 0) return 'acquired';
        continue;
      }
      const owner = v & PID_MASK;
      if (checkOwner && !isAlive(owner)) {
        if (Atomics.compareExchange(this.i32, WORD, v, me | WAITERS) === v) throw new OwnerDiedError(owner, this.#what);
        continue;
      }
      if ((v & WAITERS) === 0 && Atomics.compareExchange(this.i32, WORD, v, v | WAITERS) !== v) continue;
      return v | WAITERS;
    }
  }

  /** Blocking acquire with a deadline (performance.now() ms, Infinity = none). */
  acquireSync(deadline: number): boolean {
    if (this.tryFast()) return true;
    // Held by another process, most often for a microsecond (a queue's copy): watch the word a
    // little before sleeping, as glibc's adaptive mutexes do; a sleep costs a futex wait here and
    // a futex wake at every later release (WAITERS stays set).
    for (let spin = 0; spin < SPIN; spin++) {
      if (Atomics.load(this.i32, WORD) === 0 && this.tryFast()) return true;
    }
    let check = false;
    for (;;) {
      const step = this.#step(check);
      if (step === 'acquired') return true;
      const left = remaining(deadline);
      if (left === 0) {
        if (check) return false;
        check = true; // before giving up, make sure the owner is alive
        continue;
      }
      const result = futexWaitSync(this.i32, WORD, step, left === -1 ? LIVENESS_MS : Math.min(left, LIVENESS_MS));
      check = result === 'timed-out';
    }
  }

  /** Non-blocking acquire with a deadline; the signal aborts it. */
  async acquire(deadline: number, signal: AbortSignal | undefined): Promise<boolean> {
    let check = false;
    for (;;) {
      const step = this.#step(check);
      if (step === 'acquired') return true;
      const left = remaining(deadline);
      if (left === 0) {
        if (check) return false;
        check = true;
        continue;
      }
      const result = await futexWaitAsync(this.i32, WORD, step, left === -1 ? LIVENESS_MS : Math.min(left, LIVENESS_MS), signal);
      check = result === 'timed-out';
    }
  }

  /** Release, checking that this process holds the lock. */
  release(): void {
    const v = Atomics.load(this.i32, WORD);
    const owner = v & PID_MASK;
    if (v === 0) throw new NotOwnerError(`Cannot release this ${this.#what}: it is not locked.`, null);
    if (owner !== process.pid) {
      throw new NotOwnerError(
        `Cannot release this ${this.#what}: it is held by process ${owner}, not by this process (${process.pid}).`,
        owner,
      );
    }
    this.unlock();
  }

  /** Release without checks (the caller holds the lock). */
  unlock(): void {
    if ((Atomics.exchange(this.i32, WORD, 0) & WAITERS) !== 0) wake(this.i32, WORD, 1);
  }
}

/** What Lock and RLock have in common, for Condition and the `hold` helpers. */
export abstract class LockBase {
  /** @internal */
  abstract readonly core: MutexCore;
  /** Python's name for it. */
  abstract readonly kind: string;

  /** Take the lock without blocking the event loop; false if `timeoutMs` passed first. Rejects with OwnerDiedError (the lock then held) if its holder died. */
  abstract acquire(options?: WaitOptions): Promise<boolean>;
  /** Take the lock, blocking this process like Python's acquire(); false on timeout. */
  abstract acquireSync(options?: { timeoutMs?: number | undefined }): boolean;
  /** Release the lock (NotOwnerError if this process does not hold it). */
  abstract release(): void;
  /** @internal Release completely (every recursion level), returning what to restore. */
  abstract releaseAll(): number;
  /** @internal After re-acquiring: restore the recursion depth releaseAll returned. */
  abstract restore(depth: number): void;

  /** Whether this process holds the lock. */
  isOwned(): boolean {
    return this.core.owner() === process.pid;
  }

  /** Whether any process holds the lock. */
  isLocked(): boolean {
    return this.core.owner() !== null;
  }

  /** Acquire (await) and get a handle that releases on disposal: `await using _ = await lock.hold()`. Rejects with TimeoutError if `timeoutMs` passes. */
  async hold(options?: WaitOptions): Promise<Held> {
    if (!(await this.acquire(options)))
      throw new TimeoutError(`Could not acquire the ${this.kind} within ${String(options?.timeoutMs)} ms.`);
    return this.#held();
  }

  /** Acquire (blocking) and get a handle that releases on disposal: `using _ = lock.holdSync()`. Throws TimeoutError if `timeoutMs` passes. */
  holdSync(options?: { timeoutMs?: number | undefined }): Held {
    if (!this.acquireSync(options)) throw new TimeoutError(`Could not acquire the ${this.kind} within ${String(options?.timeoutMs)} ms.`);
    return this.#held();
  }

  // No Symbol.dispose on the lock itself: `using l = lock` would release a lock the scope never
  // acquired. The scoped acquire is hold()/holdSync(), whose handle releases (docs/DECISIONS.md).

  #held(): Held {
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.release();
    };
    return {
      release,
      [Symbol.dispose]: release,
      [Symbol.asyncDispose]: () => {
        release();
        return Promise.resolve();
      },
    };
  }
}

/** Shared by the acquire() of Lock and RLock: argument checks, then the core. */
export function acquireAsync(core: MutexCore, options: WaitOptions | undefined): Promise<boolean> {
  try {
    const deadline = deadlineOf(options);
    checkSignal(options?.signal);
    if (core.tryFast()) return Promise.resolve(true);
    return core.acquire(deadline, options?.signal);
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
