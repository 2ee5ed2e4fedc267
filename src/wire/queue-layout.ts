// The byte layout of a Queue's shared segment (its logic, the journal and the waits, is
// src/queues/ring.ts, queue.ts and transfer.ts; an item's own bytes are queue-items.ts):
//   i32[0..1]   the mutex word (src/sync/mutex.ts)
//   i32[2]      COUNT: items in the buffer (getters sleep on it while 0)
//   i32[3]      getters asleep
//   i32[4]      putters asleep
//   i32[5]      SPACE: bumped by every get (putters sleep on it)
//   i32[6]      UNFINISHED: JoinableQueue's put-but-not-done count (join() sleeps on it)
//   i32[7]      maxsize (0 = unbounded)
//   i32[8]      HEAD (byte offset of the oldest frame), i32[9] TAIL, i32[10] USED bytes
//   i32[11]     JOURNAL: 1 while i32[12..15] (head, tail, used, count) are being applied
//   i32[16]     CLOSED: 1 once close() was called in any process
//   i32[17]     STREAM_PUT: pid of the process writing an item in pieces (0: none; see transfer.ts)
//   i32[18]     STREAM_GET: pid of the process collecting an item's pieces (0: none)
//   i32[19]     ARRIVALS: bumped after every push and at close (getters sleep on it: a change
//               between their look at the ring and their sleep is never missed)
//   bytes 128.. the ring (capacity bytes)
// A frame in the ring is [u32 little-endian length | flags][bytes], both parts wrapping around
// the ring's end: MORE (bit 31) marks a piece followed by another of the same item.

export const COUNT = 2;
export const GETTERS = 3;
export const PUTTERS = 4;
export const SPACE = 5;
export const UNFINISHED = 6;
export const MAXSIZE = 7;
export const HEAD = 8;
export const TAIL = 9;
export const USED = 10;
export const JOURNAL = 11;
export const J_HEAD = 12;
export const J_TAIL = 13;
export const J_USED = 14;
export const J_COUNT = 15;
export const CLOSED = 16;
export const STREAM_PUT = 17;
export const STREAM_GET = 18;
export const ARRIVALS = 19;
/** Bytes before the ring. */
export const HEADER = 128;
/** Bytes of a frame's length word. */
export const LENGTH_BYTES = 4;
/** Frame flag: more pieces of this item follow. */
export const MORE = 0x80000000;
/** The longest frame (the length word's other bits are flags). */
export const MAX_FRAME = 0x3fffffff;

/** Write a frame's length word (`length | flags`, little-endian) at `at` of a ring of `capacity` bytes; returns the offset after it. */
export function writeLengthWord(bytes: Uint8Array, capacity: number, at: number, word: number): number {
  for (let k = 0; k < LENGTH_BYTES; k++) {
    bytes[at] = (word >>> (8 * k)) & 0xff;
    if (++at === capacity) at = 0;
  }
  return at;
}

/** The frame length word (unsigned: length | flags) at `at` of a ring of `capacity` bytes; byte by byte, as it may wrap. */
export function readLengthWord(bytes: Uint8Array, capacity: number, at: number): number {
  let word = 0;
  for (let k = 0; k < LENGTH_BYTES; k++) {
    word |= (bytes[at] as number) << (8 * k);
    if (++at === capacity) at = 0;
  }
  return word >>> 0;
}

/** The offset after a length word at `at` of a ring of `capacity` bytes. */
export function afterLengthWord(capacity: number, at: number): number {
  const next = at + LENGTH_BYTES;
  return next >= capacity ? next - capacity : next;
}
