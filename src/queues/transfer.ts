// Items into and out of a Queue's ring (ring.ts), in steps a blocking or an async caller drives.
// An item that fits the ring goes as one frame. One that does not (larger than the ring, or than a
// frame may be) goes in pieces, written as room appears: the writer holds STREAM_PUT (its pid)
// meanwhile, so no other item comes between its pieces; the reader of the first piece holds
// STREAM_GET while it collects the rest, so no other reader takes one. The holders' deaths are
// seen by the others (their pids), who go on: a reader taking over a dead reader's pieces drops
// them up to the item's end (the item is lost with its reader, as one got by a reader that then
// dies); a reader finding the writer dead before the last piece drops the item (never fully put).
import { isAlive, wake } from '../sync/futex.ts';
import { QueueClosedError } from './errors.ts';
import { FrameError } from '../wire/protocol.ts';
import { ARRIVALS, CLOSED, GETTERS, MAX_FRAME, MORE, PUTTERS, SPACE, STREAM_GET, STREAM_PUT, UNFINISHED } from '../wire/queue-layout.ts';
import { Ring } from './ring.ts';

/** What a step waits for: word `index` to change from `value`; `owner`: a pid whose death ends the wait too (0: none). */
export interface Wait {
  index: number;
  value: number;
  owner: number;
  /** The word counting this kind of waiter (GETTERS, PUTTERS), or -1. */
  counter: number;
}

/** An item on its way into the ring (several steps when it goes in pieces). */
export class Outgoing {
  at = 0;
  streaming = false;
  done = false;
  constructor(readonly data: Uint8Array) {}
}

/** An item being taken out of the ring (pieces collected so far). */
export class Incoming {
  parts: Uint8Array[] = [];
  collecting = false;
  discarding = false;

  reset(): void {
    this.parts = [];
    this.collecting = false;
    this.discarding = false;
  }
}

/** One step of putting `item`: null once it is all in, else what to wait for. Throws QueueClosedError (before its first byte only). */
export function putStep(ring: Ring, item: Outgoing, joinable: boolean): Wait | null {
  return unlockingOnCorruption(ring, () => putStepLocked(ring, item, joinable));
}

/** One step of getting an item: its bytes, or what to wait for. Throws QueueClosedError once the queue is closed and empty. */
export function getStep(ring: Ring, incoming: Incoming): Uint8Array | Wait {
  return unlockingOnCorruption(ring, () => getStepLocked(ring, incoming));
}

// The ring throws FrameError only from inside the lock (its words are impossible: something else
// wrote the memory); the lock must not stay taken for every process then.
function unlockingOnCorruption<T>(ring: Ring, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof FrameError) ring.unlock();
    throw error;
  }
}

function putStepLocked(ring: Ring, item: Outgoing, joinable: boolean): Wait | null {
  const i32 = ring.i32;
  while (!item.done) {
    ring.lock();
    if (!item.streaming) {
      if (Atomics.load(i32, CLOSED) !== 0) {
        ring.unlock();
        throw new QueueClosedError('The queue was closed (close() in some process): no more items can be put on it.');
      }
      const writer = Atomics.load(i32, STREAM_PUT);
      if (writer !== 0) {
        ring.unlock();
        return { index: STREAM_PUT, value: writer, owner: writer, counter: -1 };
      }
    }
    const seq = Atomics.load(i32, SPACE);
    const rest = item.data.length - item.at;
    if (!item.streaming && rest + 4 <= ring.capacity && rest <= MAX_FRAME) {
      if (!ring.fits(rest)) {
        ring.unlock();
        return { index: SPACE, value: seq, owner: 0, counter: PUTTERS };
      }
      ring.push(item.data);
      if (joinable) Atomics.add(i32, UNFINISHED, 1);
      item.done = true;
      ring.unlock();
      Atomics.add(i32, ARRIVALS, 1);
      if (Atomics.load(i32, GETTERS) > 0) wake(i32, ARRIVALS, 1);
      return null;
    }
    // In pieces: as much as fits now, once at least a fair share of the ring is free.
    const room = Math.min(ring.room(), MAX_FRAME, rest);
    if (room < Math.min(rest, Math.max(1, ring.capacity >> 3))) {
      ring.unlock();
      return { index: SPACE, value: seq, owner: 0, counter: PUTTERS };
    }
    if (!item.streaming) {
      Atomics.store(i32, STREAM_PUT, process.pid);
      item.streaming = true;
      if (joinable) Atomics.add(i32, UNFINISHED, 1);
    }
    const more = room < rest;
    ring.push(item.data.subarray(item.at, item.at + room), more ? MORE : 0);
    item.at += room;
    if (!more) {
      Atomics.store(i32, STREAM_PUT, 0);
      item.streaming = false;
      item.done = true;
    }
    ring.unlock();
    Atomics.add(i32, ARRIVALS, 1);
    wakeAll(ring, ARRIVALS); // the collecting reader among the sleepers
    if (!more) wakeAll(ring, STREAM_PUT);
  }
  return null;
}

function getStepLocked(ring: Ring, incoming: Incoming): Uint8Array | Wait {
  const i32 = ring.i32;
  for (;;) {
    const arrivals = Atomics.load(i32, ARRIVALS); // read first: what comes after it wakes the wait below
    if (!incoming.collecting && ring.count() === 0 && Atomics.load(i32, CLOSED) === 0)
      return { index: ARRIVALS, value: arrivals, owner: 0, counter: GETTERS };
    ring.lock();
    const collector = Atomics.load(i32, STREAM_GET);
    if (!incoming.collecting && collector !== 0) {
      if (isAlive(collector)) {
        ring.unlock();
        return { index: STREAM_GET, value: collector, owner: collector, counter: -1 };
      }
      Atomics.store(i32, STREAM_GET, process.pid); // its reader died: drop the rest of its item
      incoming.collecting = true;
      incoming.discarding = true;
    }
    if (ring.count() === 0) {
      const writer = Atomics.load(i32, STREAM_PUT);
      if (incoming.collecting && (writer === 0 || !isAlive(writer))) {
        // The writer died before the item's last piece: the item was never put.
        Atomics.store(i32, STREAM_PUT, 0);
        Atomics.store(i32, STREAM_GET, 0);
        incoming.reset();
        ring.unlock();
        wakeAll(ring, STREAM_PUT);
        wakeAll(ring, STREAM_GET);
        continue;
      }
      const closed = !incoming.collecting && writer === 0 && Atomics.load(i32, CLOSED) !== 0;
      ring.unlock();
      if (closed) throw new QueueClosedError('The queue was closed (close() in some process) and is empty: no item will come.');
      return { index: ARRIVALS, value: arrivals, owner: incoming.collecting ? writer : 0, counter: GETTERS };
    }
    const data = ring.shift();
    const more = (ring.flags & MORE) !== 0;
    Atomics.add(i32, SPACE, 1);
    if (more && !incoming.collecting) {
      Atomics.store(i32, STREAM_GET, process.pid);
      incoming.collecting = true;
    }
    const finished = incoming.collecting && !more;
    if (finished) Atomics.store(i32, STREAM_GET, 0);
    ring.unlock();
    if (Atomics.load(i32, PUTTERS) > 0) wakeAll(ring, SPACE);
    if (!incoming.collecting) return data;
    if (!incoming.discarding) incoming.parts.push(data);
    if (!finished) continue;
    wakeAll(ring, STREAM_GET);
    const { parts, discarding } = incoming;
    incoming.reset();
    if (!discarding) return join(parts);
  }
}

/** Mark the queue closed for every process and wake everyone who waits on it. */
export function closeRing(ring: Ring): void {
  Atomics.store(ring.i32, CLOSED, 1);
  Atomics.add(ring.i32, ARRIVALS, 1);
  Atomics.add(ring.i32, SPACE, 1);
  for (const index of [ARRIVALS, SPACE, STREAM_PUT, STREAM_GET]) wakeAll(ring, index);
}

/** Whether close() was called in some process. */
export function isClosed(ring: Ring): boolean {
  return Atomics.load(ring.i32, CLOSED) !== 0;
}

function wakeAll(ring: Ring, index: number): void {
  wake(ring.i32, index, 0x7fffffff);
}

function join(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
