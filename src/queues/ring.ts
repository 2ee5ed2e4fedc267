// The shared state of a Queue: a ring buffer of framed (length-prefixed, v8-serialized) items in
// one shared segment, guarded by a process-shared mutex (src/sync/mutex.ts). Where each word and
// byte is: src/wire/queue-layout.ts.
// A process killed inside the lock leaves the journal: the next holder (OwnerDiedError) re-applies
// it (absolute values, idempotent) or, without one, finds the ring as before: a frame is only
// published by the journal, so a consumer killed mid-get loses nothing and a producer killed
// mid-put publishes nothing.
import { OwnerDiedError } from '../sync/errors.ts';
import { MutexCore } from '../sync/mutex.ts';
import type { Segment } from '../sync/segment.ts';
import { FrameError } from '../wire/protocol.ts';
import {
  afterLengthWord,
  COUNT,
  HEAD,
  HEADER,
  J_COUNT,
  J_HEAD,
  J_TAIL,
  J_USED,
  JOURNAL,
  LENGTH_BYTES,
  MAX_FRAME,
  MAXSIZE,
  readLengthWord,
  TAIL,
  USED,
  writeLengthWord,
} from '../wire/queue-layout.ts';

/** The ring buffer over a segment. */
export class Ring {
  readonly i32: Int32Array;
  readonly bytes: Uint8Array;
  readonly capacity: number;
  readonly mutex: MutexCore;

  constructor(segment: Segment) {
    this.i32 = segment.i32;
    this.bytes = new Uint8Array(segment.sab, HEADER);
    this.capacity = this.bytes.length;
    this.mutex = new MutexCore(this.i32, 'Queue lock');
  }

  /** Take the mutex (blocking: it is only ever held for a copy), repairing after a dead holder. */
  lock(): void {
    try {
      this.mutex.acquireSync(Infinity);
    } catch (error) {
      if (!(error instanceof OwnerDiedError)) throw error;
      this.#recover();
    }
  }

  unlock(): void {
    this.mutex.unlock();
  }

  #recover(): void {
    if (Atomics.load(this.i32, JOURNAL) === 1) this.#apply();
  }

  #commit(head: number, tail: number, used: number, count: number): void {
    const i = this.i32;
    Atomics.store(i, J_HEAD, head);
    Atomics.store(i, J_TAIL, tail);
    Atomics.store(i, J_USED, used);
    Atomics.store(i, J_COUNT, count);
    Atomics.store(i, JOURNAL, 1);
    this.#apply();
  }

  #apply(): void {
    const i = this.i32;
    Atomics.store(i, HEAD, Atomics.load(i, J_HEAD));
    Atomics.store(i, TAIL, Atomics.load(i, J_TAIL));
    Atomics.store(i, USED, Atomics.load(i, J_USED));
    Atomics.store(i, COUNT, Atomics.load(i, J_COUNT));
    Atomics.store(i, JOURNAL, 0);
  }

  count(): number {
    return Atomics.load(this.i32, COUNT);
  }

  maxsize(): number {
    return Atomics.load(this.i32, MAXSIZE);
  }

  /** Flags (MORE) of the frame the last shift() took. */
  flags = 0;

  /** Under the lock: payload bytes one frame may have now (0: none fits, or maxsize frames are queued). FrameError when the ring's words are impossible. */
  room(): number {
    const max = this.maxsize();
    if (max > 0 && this.count() >= max) return 0;
    const used = Atomics.load(this.i32, USED);
    if (used < 0 || used > this.capacity) throw corrupt(`${used} bytes used`);
    return Math.max(0, this.capacity - used - LENGTH_BYTES);
  }

  /** Under the lock: whether a frame of `payload` bytes fits now (FrameError when the ring's words are impossible). */
  fits(payload: number): boolean {
    const max = this.maxsize();
    if (max > 0 && this.count() >= max) return false;
    const used = Atomics.load(this.i32, USED);
    if (used < 0 || used > this.capacity) throw corrupt(`${used} bytes used`);
    return this.capacity - used >= payload + LENGTH_BYTES;
  }

  /** Under the lock, after fits(): append one frame (`flags`: MORE or 0). Throws FrameError when the ring's words are impossible. */
  push(data: Uint8Array, flags = 0): void {
    const length = data.length;
    const tail = Atomics.load(this.i32, TAIL);
    const used = Atomics.load(this.i32, USED);
    if (tail < 0 || tail >= this.capacity || used < 0 || used + LENGTH_BYTES + length > this.capacity)
      throw corrupt(`tail ${tail}, ${used} bytes used`);
    let at = writeLengthWord(this.bytes, this.capacity, tail, (length | flags) >>> 0);
    const first = this.capacity - at;
    if (length <= first) {
      this.bytes.set(data, at);
      at += length;
      if (at === this.capacity) at = 0;
    } else {
      this.bytes.set(data.subarray(0, first), at);
      this.bytes.set(data.subarray(first), 0);
      at = length - first;
    }
    this.#commit(Atomics.load(this.i32, HEAD), at, Atomics.load(this.i32, USED) + LENGTH_BYTES + length, this.count() + 1);
  }

  /**
   * Under the lock, when count() > 0: remove the oldest frame and return its bytes. Throws
   * FrameError, taking nothing, when the ring's words or the frame's length are impossible (a
   * head outside the buffer, more bytes used than it has, a frame longer than the bytes used):
   * never a read outside the frames the ring holds.
   */
  shift(): Uint8Array {
    const bytes = this.bytes;
    const capacity = this.capacity;
    let at = Atomics.load(this.i32, HEAD);
    const used = Atomics.load(this.i32, USED);
    if (at < 0 || at >= capacity || used < LENGTH_BYTES || used > capacity) throw corrupt(`head ${at}, ${used} bytes used`);
    const word = readLengthWord(bytes, capacity, at);
    at = afterLengthWord(capacity, at);
    this.flags = (word & ~MAX_FRAME) >>> 0;
    const length = word & MAX_FRAME;
    if (length + LENGTH_BYTES > used) throw corrupt(`a frame of ${length} bytes, ${used} bytes used`);
    let out: Uint8Array;
    const first = capacity - at;
    if (length <= first) {
      out = bytes.slice(at, at + length); // one allocation and one copy
      at += length;
      if (at === capacity) at = 0;
    } else {
      out = new Uint8Array(length);
      out.set(bytes.subarray(at));
      out.set(bytes.subarray(0, length - first), first);
      at = length - first;
    }
    this.#commit(at, Atomics.load(this.i32, TAIL), used - LENGTH_BYTES - length, this.count() - 1);
    return out;
  }
}

function corrupt(detail: string): FrameError {
  return new FrameError(
    `A Queue's shared memory is corrupt (${detail}): something other than the queue wrote to it. The queue cannot be used; create a new one.`,
  );
}
