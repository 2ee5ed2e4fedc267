// Random and mutated shared memory under a Queue (src/queues/ring.ts; layouts in src/wire/queue-*.ts), read as a get()
// reads it: take the mutex (a dead holder's journal is re-applied), take the oldest frame,
// release, decode the item; then a put. A get must never read outside the frames the ring holds: when the
// ring's words say something impossible (a head outside the buffer, more used bytes than it
// has, a frame longer than what is used) it must refuse with a FrameError, never return bytes;
// an item's bytes decode to a value or a FrameError (a fixed-size encoding of another length is
// refused); a put never writes outside the ring; and the mutex is always released.
import { Ring } from '../../src/queues/ring.ts';
import { decode, encode, fixedLength } from '../../src/wire/queue-items.ts';
import { COUNT, HEAD, HEADER, JOURNAL, LENGTH_BYTES, MAX_FRAME, readLengthWord, TAIL, USED } from '../../src/wire/queue-layout.ts';
import type { Segment } from '../../src/sync/segment.ts';
import { random } from '../../test/wire/fuzz-input.ts';
import { Failures, row, type Row } from './row.ts';
import { unexpected } from './mutate.ts';

const CAPACITY = 1024;
/** A pid above any pid_max: a lock word owned by it belongs to a dead holder. */
const DEAD_PID = 0x3fff_fff0;

const items = (next: () => number): unknown[] => [
  Math.floor(next() * 1e6),
  next(),
  'text'.repeat(Math.floor(next() * 30)),
  null,
  true,
  { a: [1, 2], b: 'x' },
  undefined,
  2n ** 70n,
];

/** A ring with some items, its head somewhere in the buffer. */
function validRing(next: () => number): Ring {
  const sab = new SharedArrayBuffer(HEADER + CAPACITY);
  const ring = new Ring({ sab, i32: new Int32Array(sab), fd: -1 } satisfies Segment);
  const values = items(next);
  for (let k = 0, rounds = Math.floor(next() * 30); k < rounds; k++) {
    const data = encode(values[k % values.length]);
    if (ring.fits(data.length)) ring.push(data);
    if (next() < 0.5 && ring.count() > 0) ring.shift();
  }
  return ring;
}

/** What the ring's words allow a get to read: true when the oldest frame lies within the used bytes. */
function readable(ring: Ring): boolean {
  const i32 = ring.i32;
  const head = i32[HEAD] as number;
  const used = i32[USED] as number;
  if ((i32[COUNT] as number) <= 0 || head < 0 || head >= CAPACITY || used < LENGTH_BYTES || used > CAPACITY) return false;
  const length = readLengthWord(ring.bytes, CAPACITY, head) & MAX_FRAME; // the flags (MORE) are not part of the length
  return length + LENGTH_BYTES <= used;
}

/** A put as Queue.put makes it: a FrameError when the ring is impossible, never a write outside it. */
function put(ring: Ring, data: Uint8Array, outcomes: { refused: number }): void {
  const tail = ring.i32[TAIL] as number;
  ring.lock();
  try {
    if (!ring.fits(data.length)) return;
    ring.push(data);
    if (tail < 0 || tail >= CAPACITY) throw new Error(`push() wrote a frame at tail ${tail}, outside the ring`);
  } catch (error) {
    if (!(error instanceof Error && error.name === 'FrameError')) throw error;
    outcomes.refused++;
  } finally {
    ring.unlock();
  }
}

/** `count` cases: random ring words, a dead holder's random journal, flipped item bytes. */
export function fuzzQueue(count: number, seed = 0x0e0e): Row {
  const startedAt = performance.now();
  const failures = new Failures();
  const next = random(seed);
  const outcomes = { items: 0, empty: 0, refused: 0 };
  for (let i = 0; i < count; i++) {
    try {
      const ring = validRing(next);
      const how = i % 3;
      const word = () => (next() < 0.5 ? Math.floor(next() * CAPACITY * 2) - CAPACITY / 2 : Math.floor(next() * 0x100000000) | 0);
      if (how === 0 && i % 2000 === 0) {
        // A dead holder's journal, half written (rare: a waiter learns of the death after its 500 ms futex timeout).
        ring.i32[0] = DEAD_PID;
        ring.i32[JOURNAL] = 1;
        ring.i32[12 + Math.floor(next() * 4)] = word();
      } else if (how === 0) ring.i32[[HEAD, TAIL, USED, COUNT][Math.floor(next() * 4)] as number] = word();
      else if (how === 1) for (let k = 0; k < 3; k++) ring.i32[[HEAD, TAIL, USED, COUNT][Math.floor(next() * 4)] as number] = word();
      else for (let k = 0; k < 3; k++) ring.bytes[Math.floor(next() * CAPACITY)] = Math.floor(next() * 256);
      let data: Uint8Array | null = null;
      ring.lock();
      try {
        if (ring.count() > 0) {
          const allowed = readable(ring);
          try {
            data = ring.shift();
          } catch (error) {
            if (!(error instanceof Error && error.name === 'FrameError')) throw error;
            outcomes.refused++;
          }
          if (data !== null && !allowed)
            throw new Error(
              `shift() returned ${data.length} bytes from an impossible ring (head ${ring.i32[HEAD]}, used ${ring.i32[USED]}, count ${ring.i32[COUNT]})`,
            );
        }
      } finally {
        ring.unlock();
      }
      if (ring.i32[0] !== 0) throw new Error(`the mutex word is ${ring.i32[0]} after unlock()`);
      put(ring, encode(`item ${i}`), outcomes);
      if (data === null) {
        outcomes.empty++;
        continue;
      }
      try {
        decode(data);
        const fixed = fixedLength(data[0] as number);
        if (fixed !== undefined && fixed !== 0 && data.length !== fixed)
          throw new Error(`decode() gave a value for ${data.length} bytes of tag ${data[0]} (its encoding has ${fixed})`);
        outcomes.items++;
      } catch (error) {
        if (!(error instanceof Error && error.name === 'FrameError')) throw error;
        outcomes.refused++;
      }
    } catch (error) {
      failures.add(unexpected(i, seed, error));
    }
  }
  return row(
    'fuzz',
    'Queue ring (ring.ts, queue-items.ts)',
    count,
    failures,
    `items ${outcomes.items}, empty ${outcomes.empty}, FrameError ${outcomes.refused}`,
    startedAt,
  );
}
