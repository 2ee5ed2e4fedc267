// The lock of a Value or a SharedArray (Python's `lock=True`: an RLock). Its state lives in 16
// bytes of the same shared memory as the data, so a child that received the Value has the same
// lock without sending anything more. Which lock class is built over those bytes is a hook:
// the synchronization module (Lock, RLock …) registers its factory with registerSharedLockFactory;
// until it does, a minimal recursive futex lock (below) is used.
import { ProcessStateError } from '../errors.ts';
import { requireNative } from '../native/binding.ts';
import { normalizeTimeout } from '../options.ts';

/** Bytes of shared memory reserved for a lock's state (zeroed: unlocked); room for src/sync's RLock. */
export const LOCK_BYTES = 64;

/**
 * Where a lock's state lives: LOCK_BYTES zeroed bytes at `byteOffset` (16-byte aligned) of
 * `buffer`, which other blocks share: futex addresses are `byteOffset`-relative. `fd` maps the
 * whole buffer; it belongs to the buffer (dup it to keep one).
 */
export interface SharedLockMemory {
  buffer: SharedArrayBuffer;
  byteOffset: number;
  fd: number;
}

/** What getLock() returns: Python's RLock surface. */
export interface SharedLock {
  /** Wait for the lock without blocking the event loop; false if `timeoutMs` passed first. */
  acquire(options?: { timeoutMs?: number }): Promise<boolean>;
  /** Wait for the lock, blocking this thread (like Python's acquire()); false after `timeoutMs`. */
  acquireSync(options?: { timeoutMs?: number }): boolean;
  /** Release it (the holder only). */
  release(): void;
  /** release(), for `using`. */
  [Symbol.dispose](): void;
}

/** Builds the lock over a Value's or SharedArray's lock memory. */
export type SharedLockFactory = (memory: SharedLockMemory) => SharedLock;

let factory: SharedLockFactory | null = null;

/** For the synchronization module: build the locks of Value and SharedArray with `make` (an RLock over the memory). */
export function registerSharedLockFactory(make: SharedLockFactory): void {
  factory = make;
}

/** The lock over `memory`, from the registered factory or the built-in futex lock. */
export function makeSharedLock(memory: SharedLockMemory): SharedLock {
  return (factory ?? ((m) => new FutexRLock(m)))(memory);
}

// Words: [0] state (0 free, 1 held, 2 held with waiters), [1] owner pid, [2] recursion depth.
// Recursive per process (a single-threaded process is one owner, as one Python thread is).
class FutexRLock implements SharedLock {
  readonly #words: Int32Array;
  readonly #memory: SharedLockMemory;

  constructor(memory: SharedLockMemory) {
    this.#memory = memory;
    this.#words = new Int32Array(memory.buffer, memory.byteOffset, 4);
  }

  async acquire(options: { timeoutMs?: number } = {}): Promise<boolean> {
    const timeout = normalizeTimeout('timeoutMs', options.timeoutMs);
    const deadline = timeout === undefined ? Infinity : Date.now() + timeout;
    // No thread may block here: retry on a short, growing interval (the futex wait is for acquireSync).
    for (let delay = 0; ; delay = Math.min(delay * 2 || 1, 16)) {
      if (this.#tryAcquire()) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
    }
  }

  acquireSync(options: { timeoutMs?: number } = {}): boolean {
    const timeout = normalizeTimeout('timeoutMs', options.timeoutMs);
    if (this.#tryAcquire()) return true;
    const native = requireNative('A shared lock');
    const deadline = timeout === undefined ? Infinity : Date.now() + timeout;
    const w = this.#words;
    // Drepper's mutex: mark contended (2) and sleep on the futex until the holder releases.
    while (Atomics.exchange(w, 0, 2) !== 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      native.futexWait(this.#memory.buffer, this.#memory.byteOffset, 2, timeout === undefined ? -1 : Math.ceil(left));
    }
    Atomics.store(w, 1, process.pid);
    Atomics.store(w, 2, 1);
    return true;
  }

  release(): void {
    const w = this.#words;
    if (Atomics.load(w, 0) === 0 || Atomics.load(w, 1) !== process.pid) {
      throw new ProcessStateError('Cannot release a lock this process does not hold.');
    }
    if (Atomics.sub(w, 2, 1) > 1) return;
    Atomics.store(w, 1, 0);
    if (Atomics.exchange(w, 0, 0) === 2) requireNative('A shared lock').futexWake(this.#memory.buffer, this.#memory.byteOffset, 1);
  }

  [Symbol.dispose](): void {
    this.release();
  }

  #tryAcquire(): boolean {
    const w = this.#words;
    if (Atomics.load(w, 0) !== 0 && Atomics.load(w, 1) === process.pid) {
      Atomics.add(w, 2, 1);
      return true;
    }
    if (Atomics.compareExchange(w, 0, 0, 1) !== 0) return false;
    Atomics.store(w, 1, process.pid);
    Atomics.store(w, 2, 1);
    return true;
  }
}
