// Semaphore and BoundedSemaphore shared between processes (Python's multiprocessing ones):
//   i32[0] = value, i32[1] = sleepers (so release() skips the futex wake when nobody waits),
//   i32[2] = bound (BoundedSemaphore; 0 = unbounded).
import { kReduce, registerRebuilder, type HandleDescriptor, type ReceivedHandle } from '../reduction.ts';
import { rangeError, typeError } from '../options.ts';
import { TimeoutError } from '../errors.ts';
import { TooManyReleasesError } from './errors.ts';
import { portableInstance, portableMode } from '../portable/index.ts';
import { checkSignal, deadlineOf, remaining, wake, futexWaitAsync, futexWaitSync, type WaitOptions } from './futex.ts';
import type { Held } from './mutex.ts';
import { createSegment, keepSegment, openSegment, type Segment } from './segment.ts';

const VALUE = 0;
const SLEEPERS = 1;
const BOUND = 2;
const MAX = 0x7fffffff;

function checkValue(value: unknown): number {
  if (typeof value !== 'number') typeError('value', 'a non-negative integer', value);
  if (!Number.isInteger(value) || value < 0 || value > MAX) rangeError('value', 'a non-negative integer (at most 2^31 - 1)', value);
  return value;
}

/** A counter of permits shared between processes: acquire() takes one (waiting for one), release() gives one back. */
export class Semaphore {
  readonly #segment!: Segment; // ! : a portable instance (no addon) is returned instead of this one
  readonly #i32!: Int32Array; // ! : a portable instance (no addon) is returned instead of this one

  constructor(value = 1, segment?: Segment) {
    if (segment === undefined) {
      checkValue(value);
      if (portableMode()) return portableInstance(new.target, [value]); // without the addon: src/portable/
      segment = createSegment(64, new.target.name);
      Atomics.store(segment.i32, VALUE, value);
      if (new.target === BoundedSemaphore) Atomics.store(segment.i32, BOUND, value);
    }
    this.#segment = keepSegment(this, segment);
    this.#i32 = segment.i32;
  }

  #tryTake(): boolean {
    for (;;) {
      const v = Atomics.load(this.#i32, VALUE);
      if (v <= 0) return false;
      if (Atomics.compareExchange(this.#i32, VALUE, v, v - 1) === v) return true;
    }
  }

  /** Take a permit without blocking the event loop; false if `timeoutMs` passed first. */
  async acquire(options?: WaitOptions): Promise<boolean> {
    const deadline = deadlineOf(options);
    checkSignal(options?.signal);
    for (;;) {
      if (this.#tryTake()) return true;
      const left = remaining(deadline);
      if (left === 0) return false;
      Atomics.add(this.#i32, SLEEPERS, 1);
      try {
        await futexWaitAsync(this.#i32, VALUE, 0, left, options?.signal);
      } finally {
        Atomics.sub(this.#i32, SLEEPERS, 1);
      }
    }
  }

  /** Take a permit, blocking this process; false if `timeoutMs` passed first. */
  acquireSync(options?: { timeoutMs?: number | undefined }): boolean {
    const deadline = deadlineOf(options);
    for (;;) {
      if (this.#tryTake()) return true;
      const left = remaining(deadline);
      if (left === 0) return false;
      Atomics.add(this.#i32, SLEEPERS, 1);
      try {
        futexWaitSync(this.#i32, VALUE, 0, left);
      } finally {
        Atomics.sub(this.#i32, SLEEPERS, 1);
      }
    }
  }

  /** Give back `n` permits (default 1), waking as many waiters. */
  release(n = 1): void {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) rangeError('n', 'a positive integer', n);
    const bound = Atomics.load(this.#i32, BOUND);
    if (bound > 0) {
      for (;;) {
        const v = Atomics.load(this.#i32, VALUE);
        if (v + n > bound)
          throw new TooManyReleasesError(`BoundedSemaphore released too many times: its value would exceed its initial value ${bound}.`);
        if (Atomics.compareExchange(this.#i32, VALUE, v, v + n) === v) break;
      }
    } else {
      Atomics.add(this.#i32, VALUE, n);
    }
    if (Atomics.load(this.#i32, SLEEPERS) > 0) wake(this.#i32, VALUE, n);
  }

  /** The current number of permits (Python's get_value()). */
  getValue(): number {
    return Atomics.load(this.#i32, VALUE);
  }

  /** Acquire (await) and get a handle that releases on disposal: `await using _ = await sem.hold()`. */
  async hold(options?: WaitOptions): Promise<Held> {
    if (!(await this.acquire(options)))
      throw new TimeoutError(`Could not acquire the ${this.constructor.name} within ${String(options?.timeoutMs)} ms.`);
    return this.#held();
  }

  /** Acquire (blocking) and get a handle that releases on disposal: `using _ = sem.holdSync()`. */
  holdSync(options?: { timeoutMs?: number | undefined }): Held {
    if (!this.acquireSync(options))
      throw new TimeoutError(`Could not acquire the ${this.constructor.name} within ${String(options?.timeoutMs)} ms.`);
    return this.#held();
  }

  #held(): Held {
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.release();
    };
    return { release, [Symbol.dispose]: release, [Symbol.asyncDispose]: () => Promise.resolve(release()) };
  }

  /** @internal */
  [kReduce](): HandleDescriptor {
    return { kind: 'multiproc.Semaphore', data: this instanceof BoundedSemaphore, fds: [this.#segment.fd] };
  }

  toString(): string {
    return `<${this.constructor.name}(value=${this.getValue()})>`;
  }
}

/** A Semaphore that refuses (TooManyReleasesError) to be released above its initial value. */
export class BoundedSemaphore extends Semaphore {}

registerRebuilder('multiproc.Semaphore', (handle: ReceivedHandle) => {
  const segment = openSegment(handle.fds[0], 'Semaphore');
  return handle.data === true ? new BoundedSemaphore(0, segment) : new Semaphore(0, segment);
});
