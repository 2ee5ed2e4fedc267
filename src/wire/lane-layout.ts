// The byte layout of one direction of a Pipe's shared-memory lane (its protocol, the mode
// switches and the sleep handshake, is src/connection/lane.ts):
//   bytes 0..191     control words (Int32), a cache line per side: the producer's (TAIL ..
//                    PRODUCER_LOCK), the consumer's (HEAD .. STASH_LENGTH), the sleep handshake's
//   bytes 192..      the ring: records, each 8-byte aligned: [u32 payload length, host order]
//                    [u8 kind: a frame Tag, MARK or WRAP][3 bytes unused][payload, padded to 8]
// A record is checked as it is read (recordAt, recordLength): a corrupt ring is a FrameError, never a read
// outside it.
import { FrameError, Tag } from './protocol.ts';

/** Bytes of records in one direction's ring (a power of two). */
export const LANE_RING = 16 * 1024;
/** Control words before the ring (bytes). */
export const LANE_CONTROL = 192;
/** Shared memory of one direction. */
export const LANE_BYTES = LANE_CONTROL + LANE_RING;
/** The largest payload that travels in the lane; larger messages take the socket. */
export const LANE_MAX_PAYLOAD = 2048;
/** Bytes before a record's payload. */
export const RECORD_HEADER = 8;

// Control words (Int32 indexes).
/** Bytes published (a wrapping counter). */
export const TAIL = 0;
export const PRODUCER_ON_SOCKET = 1;
/** Sending ends open on this lane, in all processes. */
export const PRODUCERS = 2;
/** 1 while a producer is between its look at the lane and its publish. */
export const PRODUCER_LOCK = 3;
/** Bytes consumed (a wrapping counter). */
export const HEAD = 16;
export const CONSUMER_ON_SOCKET = 17;
/** Receiving ends open on this lane, in all processes. */
export const RECEIVERS = 18;
/** 1 while a socket frame's header, read by a shared end, waits here (STASH_TAG, STASH_LENGTH). */
export const STASHED = 19;
export const STASH_TAG = 20;
export const STASH_LENGTH = 21;
/** Receivers waiting on the socket. */
export const SLEEPERS = 32;
/** 1 while a wake frame is on its way. */
export const WAKE_SENT = 33;

/** Record kind: the producer moved to the socket (after the Tag kinds of messages). */
export const MARK = 0xfe;
/** Record kind: the rest of the ring is unused, go on at its start. */
export const WRAP = 0xff;
/** Ring position → ring offset. */
export const LANE_MASK = LANE_RING - 1;

/** Ring bytes a record of `length` payload bytes takes. */
export function recordSize(length: number): number {
  return RECORD_HEADER + ((length + 7) & ~7);
}

/** Write a record's header at ring offset `at` (`words` and `bytes` view the ring). */
export function writeRecord(words: Int32Array, bytes: Uint8Array, at: number, kind: number, length: number): void {
  words[at >> 2] = length;
  bytes[at + 4] = kind;
}

/** Mark ring offset `at` as unused up to the ring's end (WRAP). */
export function writeWrap(bytes: Uint8Array, at: number): void {
  bytes[at + 4] = WRAP;
}

/** The kind of the record at ring offset `at` (checked by readRecord). */
export function recordKind(bytes: Uint8Array, at: number): number {
  return bytes[at + 4] as number;
}

/** The ring offset of the record at ring position `head` (a wrapping counter), `used` bytes being published; FrameError when impossible. */
export function recordAt(head: number, used: number): number {
  const at = head & LANE_MASK;
  if (used < 0 || used > LANE_RING || (at & 7) !== 0) throw corrupt();
  return at;
}

/** The payload length of the record at ring offset `at`: inside the ring, the `used` bytes and LANE_MAX_PAYLOAD, else FrameError. */
export function recordLength(words: Int32Array, at: number, used: number): number {
  const length = words[at >> 2] as number;
  if (length < 0 || length > LANE_MAX_PAYLOAD || recordSize(length) > Math.min(used, LANE_RING - at)) throw corrupt();
  return length;
}

/** Whether a record of `kind` is a message a receiver delivers (object, bytes, json, handles). */
export function isMessageKind(kind: number): boolean {
  return kind === Tag.object || kind === Tag.bytes || kind === Tag.json || kind === Tag.handles;
}

/** The FrameError of a record of a kind no producer writes. */
export function unknownKind(kind: number): FrameError {
  return new FrameError(`A Pipe's shared-memory lane holds a record of unknown kind ${kind}: the connection is closed.`);
}

function corrupt(): FrameError {
  return new FrameError("A Pipe's shared-memory lane is corrupt (a record outside the ring): the connection is closed.");
}
