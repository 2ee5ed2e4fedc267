// Event shared between processes (Python's multiprocessing.Event):
//   i32[0] = flag (0/1), i32[1] = sleepers (set() skips the futex wake when nobody waits).
import { kReduce, registerRebuilder, type HandleDescriptor, type ReceivedHandle } from '../reduction.ts';
import { portableInstance, portableMode } from '../portable/index.ts';
import { checkSignal, deadlineOf, remaining, wake, futexWaitAsync, futexWaitSync, type WaitOptions } from './futex.ts';
import { createSegment, keepSegment, openSegment, type Segment } from './segment.ts';

const FLAG = 0;
const SLEEPERS = 1;

/** A flag shared between processes: set() wakes every waiter, clear() resets it. */
export class Event {
  readonly #segment!: Segment; // ! : a portable instance (no addon) is returned instead of this one
  readonly #i32!: Int32Array; // ! : a portable instance (no addon) is returned instead of this one

  constructor(segment?: Segment) {
    if (segment === undefined && portableMode()) return portableInstance(new.target, []); // without the addon: src/portable/
    this.#segment = keepSegment(this, segment ?? createSegment(64, 'Event'));
    this.#i32 = this.#segment.i32;
  }

  /** Whether the flag is set. */
  isSet(): boolean {
    return Atomics.load(this.#i32, FLAG) === 1;
  }

  /** Set the flag and wake every waiter, in every process. */
  set(): void {
    Atomics.store(this.#i32, FLAG, 1);
    if (Atomics.load(this.#i32, SLEEPERS) > 0) wake(this.#i32, FLAG, 0x7fffffff);
  }

  /** Reset the flag. */
  clear(): void {
    Atomics.store(this.#i32, FLAG, 0);
  }

  /** Resolve with true once the flag is set, or false if `timeoutMs` passed first; never blocks the event loop. */
  async wait(options?: WaitOptions): Promise<boolean> {
    const deadline = deadlineOf(options);
    checkSignal(options?.signal);
    for (;;) {
      if (this.isSet()) return true;
      const left = remaining(deadline);
      if (left === 0) return false;
      Atomics.add(this.#i32, SLEEPERS, 1);
      try {
        await futexWaitAsync(this.#i32, FLAG, 0, left, options?.signal, false);
      } finally {
        Atomics.sub(this.#i32, SLEEPERS, 1);
      }
    }
  }

  /** wait(), blocking this process. */
  waitSync(options?: { timeoutMs?: number | undefined }): boolean {
    const deadline = deadlineOf(options);
    for (;;) {
      if (this.isSet()) return true;
      const left = remaining(deadline);
      if (left === 0) return false;
      Atomics.add(this.#i32, SLEEPERS, 1);
      try {
        futexWaitSync(this.#i32, FLAG, 0, left);
      } finally {
        Atomics.sub(this.#i32, SLEEPERS, 1);
      }
    }
  }

  /** @internal */
  [kReduce](): HandleDescriptor {
    return { kind: 'multiproc.Event', data: null, fds: [this.#segment.fd] };
  }

  toString(): string {
    return `<Event(${this.isSet() ? 'set' : 'unset'})>`;
  }
}

registerRebuilder('multiproc.Event', (handle: ReceivedHandle) => new Event(openSegment(handle.fds[0], 'Event')));
