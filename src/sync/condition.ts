// Condition shared between processes (Python's multiprocessing.Condition), over a Lock or RLock
// (default: a new RLock) and three words of its own:
//   i32[0] = sequence (bumped by every notify; waiters sleep on it)
//   i32[1] = waiting (waiters that have not been notified or timed out)
//   i32[2] = toWake (notifications not yet taken)
// waiting and toWake change only under the lock: notify(n) grants min(n, waiting - toWake)
// notifications, so at most n waiters return true; a woken waiter takes one after re-acquiring
// the lock, or sleeps again.
import { kReduce, registerRebuilder, type HandleDescriptor, type ReceivedHandle } from '../reduction.ts';
import { rangeError, typeError } from '../options.ts';
import { NotOwnerError } from './errors.ts';
import { checkSignal, deadlineOf, remaining, wake, futexWaitAsync, futexWaitSync, type WaitOptions } from './futex.ts';
import { portableCondition, portableMode } from '../portable/index.ts';
import { hasBrand } from '../symbols.ts';
import { Lock, RLock } from './lock.ts';
import type { Held, LockBase } from './mutex.ts';
import { createSegment, keepSegment, openSegment, type Segment } from './segment.ts';

const SEQ = 0;
const WAITING = 1;
const TO_WAKE = 2;

/** A condition variable shared between processes. */
export class Condition {
  readonly #segment!: Segment; // ! : a portable instance (no addon) is returned instead of this one
  readonly #i32!: Int32Array; // ! : a portable instance (no addon) is returned instead of this one
  readonly #lock!: Lock | RLock; // ! : a portable instance (no addon) is returned instead of this one

  constructor(lock?: Lock | RLock, segment?: Segment) {
    if (lock !== undefined && !hasBrand(lock, 'Lock') && !hasBrand(lock, 'RLock')) typeError('lock', 'a Lock or an RLock', lock);
    if (segment === undefined && portableMode()) return portableCondition(new.target, lock); // without the addon: src/portable/
    this.#lock = lock ?? new RLock();
    this.#segment = keepSegment(this, segment ?? createSegment(64, 'Condition'));
    this.#i32 = this.#segment.i32;
  }

  /** The underlying lock. */
  get lock(): Lock | RLock {
    return this.#lock;
  }

  /** Acquire the underlying lock (async). */
  acquire(options?: WaitOptions): Promise<boolean> {
    return this.#lock.acquire(options);
  }

  /** Acquire the underlying lock (blocking). */
  acquireSync(options?: { timeoutMs?: number | undefined }): boolean {
    return this.#lock.acquireSync(options);
  }

  /** Release the underlying lock. */
  release(): void {
    this.#lock.release();
  }

  /** Hold the underlying lock until disposal: `await using _ = await cond.hold()`. */
  hold(options?: WaitOptions): Promise<Held> {
    return this.#lock.hold(options);
  }

  /** Hold the underlying lock until disposal: `using _ = cond.holdSync()`. */
  holdSync(options?: { timeoutMs?: number | undefined }): Held {
    return this.#lock.holdSync(options);
  }

  #checkOwned(what: string): void {
    if (!this.#lock.isOwned())
      throw new NotOwnerError(`Cannot ${what} on an un-acquired lock: acquire the Condition first.`, this.#lock.core.owner());
  }

  // Under the lock, after waking: take a notification if one is left.
  #take(): boolean {
    if (Atomics.load(this.#i32, TO_WAKE) > 0) {
      Atomics.sub(this.#i32, TO_WAKE, 1);
      Atomics.sub(this.#i32, WAITING, 1);
      return true;
    }
    return false;
  }

  /**
   * Release the lock, wait for a notify() (or `timeoutMs`), re-acquire the lock; true if notified.
   * Never blocks the event loop. The lock is held again when it settles, even when aborted.
   */
  async wait(options?: WaitOptions): Promise<boolean> {
    const deadline = deadlineOf(options);
    checkSignal(options?.signal);
    this.#checkOwned('wait');
    const lock = this.#lock;
    Atomics.add(this.#i32, WAITING, 1);
    let seq = Atomics.load(this.#i32, SEQ);
    const depth = lock.releaseAll();
    for (;;) {
      const left = remaining(deadline);
      let failure: unknown = null;
      if (left !== 0) {
        try {
          await futexWaitAsync(this.#i32, SEQ, seq, left, options?.signal, false);
        } catch (error) {
          failure = error;
        }
      }
      await this.#reacquire(lock, depth);
      if (this.#take()) return true;
      if (failure !== null || remaining(deadline) === 0) {
        Atomics.sub(this.#i32, WAITING, 1);
        // the abort signal's reason, as is
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        if (failure !== null) throw failure;
        return false;
      }
      seq = Atomics.load(this.#i32, SEQ);
      lock.releaseAll();
    }
  }

  async #reacquire(lock: LockBase, depth: number): Promise<void> {
    try {
      await lock.acquire();
    } finally {
      // OwnerDiedError also leaves the lock held by us
      if (lock.isOwned()) lock.restore(depth);
    }
  }

  /** wait(), blocking this process. */
  waitSync(options?: { timeoutMs?: number | undefined }): boolean {
    const deadline = deadlineOf(options);
    this.#checkOwned('wait');
    const lock = this.#lock;
    Atomics.add(this.#i32, WAITING, 1);
    let seq = Atomics.load(this.#i32, SEQ);
    const depth = lock.releaseAll();
    for (;;) {
      const left = remaining(deadline);
      if (left !== 0) futexWaitSync(this.#i32, SEQ, seq, left);
      try {
        lock.acquireSync();
      } finally {
        if (lock.isOwned()) lock.restore(depth);
      }
      if (this.#take()) return true;
      if (remaining(deadline) === 0) {
        Atomics.sub(this.#i32, WAITING, 1);
        return false;
      }
      seq = Atomics.load(this.#i32, SEQ);
      lock.releaseAll();
    }
  }

  /** Wait until `predicate()` is truthy (checked under the lock), or `timeoutMs`; its last result. */
  async waitFor<T>(predicate: () => T, options?: WaitOptions): Promise<T> {
    const deadline = deadlineOf(options);
    let result = predicate();
    while (!result) {
      const left = remaining(deadline);
      if (left === 0) break;
      await this.wait({ timeoutMs: left === -1 ? undefined : left, signal: options?.signal });
      result = predicate();
    }
    return result;
  }

  /** waitFor(), blocking this process. */
  waitForSync<T>(predicate: () => T, options?: { timeoutMs?: number | undefined }): T {
    const deadline = deadlineOf(options);
    let result = predicate();
    while (!result) {
      const left = remaining(deadline);
      if (left === 0) break;
      this.waitSync({ timeoutMs: left === -1 ? undefined : left });
      result = predicate();
    }
    return result;
  }

  /** Wake up to `n` waiters (the lock must be held). */
  notify(n = 1): void {
    if (typeof n !== 'number' || Number.isNaN(n) || n < 0) rangeError('n', 'a non-negative number', n);
    this.#checkOwned('notify');
    const waiting = Atomics.load(this.#i32, WAITING) - Atomics.load(this.#i32, TO_WAKE);
    const k = Math.min(n, waiting);
    if (k <= 0) return;
    Atomics.add(this.#i32, TO_WAKE, k);
    Atomics.add(this.#i32, SEQ, 1);
    wake(this.#i32, SEQ, 0x7fffffff);
  }

  /** Wake every waiter (the lock must be held). */
  notifyAll(): void {
    this.notify(Infinity);
  }

  /** @internal */
  [kReduce](): HandleDescriptor {
    const lock = this.#lock[kReduce]();
    return { kind: 'multiproc.Condition', data: { lock: lock.kind, byteOffset: lock.data }, fds: [this.#segment.fd, ...lock.fds] };
  }

  toString(): string {
    return `<Condition(${String(this.#lock)}, ${Atomics.load(this.#i32, WAITING)})>`;
  }
}

registerRebuilder('multiproc.Condition', (handle: ReceivedHandle) => {
  const data = handle.data as { lock: string; byteOffset: unknown };
  const opened = openSegment(handle.fds[1], 'Condition');
  const lockSegment =
    typeof data.byteOffset === 'number' && data.byteOffset > 0
      ? { ...opened, i32: new Int32Array(opened.sab, data.byteOffset, 16) }
      : opened;
  const lock = data.lock === 'multiproc.RLock' ? new RLock(lockSegment) : new Lock(lockSegment);
  return new Condition(lock, openSegment(handle.fds[0], 'Condition'));
});
