// The shared state of a Queue: a ring buffer of framed (length-prefixed, v8-serialized) items in
// one shared segment, guarded by a process-shared mutex (src/sync/mutex.ts).
//   i32[0..1]   the mutex word
//   i32[2]      COUNT: items in the buffer (getters sleep on it while 0)
//   i32[3]      getters asleep
//   i32[4]      putters asleep
//   i32[5]      SPACE: bumped by every get (putters sleep on it)
//   i32[6]      UNFINISHED: JoinableQueue's put-but-not-done count (join() sleeps on it)
//   i32[7]      maxsize (0 = unbounded)
//   i32[8]      HEAD (byte offset of the oldest frame), i32[9] TAIL, i32[10] USED bytes
//   i32[11]     JOURNAL: 1 while i32[12..15] (head, tail, used, count) are being applied
//   bytes 64..  the ring (capacity bytes)
// A process killed inside the lock leaves the journal: the next holder (OwnerDiedError) re-applies
// it (absolute values, idempotent) or, without one, finds the ring as before: a frame is only
// published by the journal, so a consumer killed mid-get loses nothing and a producer killed
// mid-put publishes nothing.
import { OwnerDiedError } from '../sync/errors.ts';
import { MutexCore } from '../sync/mutex.ts';
import type { Segment } from '../sync/segment.ts';

export const COUNT = 2;
export const GETTERS = 3;
export const PUTTERS = 4;
export const SPACE = 5;
export const UNFINISHED = 6;
export const MAXSIZE = 7;
const HEAD = 8;
const TAIL = 9;
const USED = 10;
const JOURNAL = 11;
const J_HEAD = 12;
const J_TAIL = 13;
const J_USED = 14;
const J_COUNT = 15;
export const HEADER = 64;

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

  /** Under the lock: whether a frame of `payload` bytes fits now. */
  fits(payload: number): boolean {
    const max = this.maxsize();
    if (max > 0 && this.count() >= max) return false;
    return this.capacity - Atomics.load(this.i32, USED) >= payload + 4;
  }

  /** Under the lock, after fits(): append one frame. */
  push(data: Uint8Array): void {
    const tail = Atomics.load(this.i32, TAIL);
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, data.length, true);
    const after = this.#write(this.#write(tail, header), data);
    this.#commit(Atomics.load(this.i32, HEAD), after, Atomics.load(this.i32, USED) + 4 + data.length, this.count() + 1);
  }

  /** Under the lock, when count() > 0: remove the oldest frame and return its bytes. */
  shift(): Uint8Array {
    const head = Atomics.load(this.i32, HEAD);
    const header = new Uint8Array(4);
    let at = this.#read(head, header);
    const length = new DataView(header.buffer).getUint32(0, true);
    const out = new Uint8Array(length);
    at = this.#read(at, out);
    this.#commit(at, Atomics.load(this.i32, TAIL), Atomics.load(this.i32, USED) - 4 - length, this.count() - 1);
    return out;
  }

  #write(at: number, data: Uint8Array): number {
    const first = Math.min(data.length, this.capacity - at);
    this.bytes.set(data.subarray(0, first), at);
    if (first < data.length) this.bytes.set(data.subarray(first), 0);
    return (at + data.length) % this.capacity;
  }

  #read(at: number, out: Uint8Array): number {
    const first = Math.min(out.length, this.capacity - at);
    out.set(this.bytes.subarray(at, at + first));
    if (first < out.length) out.set(this.bytes.subarray(0, out.length - first), first);
    return (at + out.length) % this.capacity;
  }
}
