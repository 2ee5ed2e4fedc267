// Random and mutated shared memory under a Pipe's lane (src/connection/lane.ts): the receiver's
// peek() must give records inside the ring or a FrameError (test/connection/lane-fuzz.ts checks
// each), and a record's payload decodes by its kind as the reader does: object, bytes or JSON,
// a MARK, or an unknown kind, which the reader refuses.
import { Lane } from '../../src/connection/lane.ts';
import { isMessageKind, LANE_BYTES, LANE_CONTROL, LANE_MAX_PAYLOAD, MARK } from '../../src/wire/lane-layout.ts';
import { decodeJson, decodeObject, encodeObject, HEADER_SIZE, Tag } from '../../src/wire/protocol.ts';
import { readCorruptLane } from '../../test/connection/lane-fuzz.ts';
import { random } from '../../test/wire/fuzz-input.ts';
import { Failures, row, type Row } from './row.ts';
import { unexpected } from './mutate.ts';

const CONTROL_WORDS = LANE_CONTROL / 4;

/** A lane with a few valid records (objects, JSON, bytes, a MARK), its head somewhere in the ring. */
function validLane(memory: SharedArrayBuffer, next: () => number): Lane {
  new Uint8Array(memory).fill(0);
  const lane = new Lane(memory, 0);
  const skip = Math.floor(next() * 40);
  for (let k = 0; k < skip + 6; k++) {
    const payload =
      k % 3 === 0
        ? encodeObject({ k, text: 'x'.repeat(Math.floor(next() * 600)) }).subarray(HEADER_SIZE)
        : Buffer.from(JSON.stringify({ k }));
    const at = lane.reserve(Math.min(payload.length, LANE_MAX_PAYLOAD));
    if (at < 0) break;
    lane.bytes.set(payload.subarray(0, LANE_MAX_PAYLOAD), at);
    lane.publish(k % 3 === 0 ? Tag.object : k % 3 === 1 ? Tag.json : Tag.bytes, Math.min(payload.length, LANE_MAX_PAYLOAD));
    if (k < skip && lane.peek() >= 0) lane.advance();
  }
  if (next() < 0.3) lane.pushMark();
  return lane;
}

/** `count` cases: random control words over valid records, bytes flipped in the ring, random memory. */
export function fuzzLane(count: number, seed = 0x1a4e): Row {
  const startedAt = performance.now();
  const failures = new Failures();
  const next = random(seed);
  const memory = new SharedArrayBuffer(LANE_BYTES);
  const words = new Int32Array(memory);
  const bytes = new Uint8Array(memory);
  const endings = { records: 0, empty: 0, 'frame-error': 0 };
  for (let i = 0; i < count; i++) {
    try {
      validLane(memory, next);
      const how = i % 3;
      if (how === 0) words[Math.floor(next() * CONTROL_WORDS)] = Math.floor(next() * 0x100000000) | 0;
      else if (how === 1)
        for (let k = 0; k < 4; k++) bytes[LANE_CONTROL + Math.floor(next() * (LANE_BYTES - LANE_CONTROL))] = Math.floor(next() * 256);
      else for (let k = 0; k < 64; k++) words[Math.floor(next() * words.length)] = Math.floor(next() * 0x100000000) | 0;
      const lane = new Lane(memory, 0);
      endings[readCorruptLane(lane, 64)]++;
      readPayloads(new Lane(memory, 0));
    } catch (error) {
      failures.add(unexpected(i, seed, error));
    }
  }
  return row(
    'fuzz',
    'Pipe lane (lane.ts)',
    count,
    failures,
    `ended empty ${endings.empty}, FrameError ${endings['frame-error']}, 64 records read ${endings.records}`,
    startedAt,
  );
}

/** Decode each record's payload by its kind as the reader does (FrameError allowed). */
function readPayloads(lane: Lane): void {
  for (let step = 0; step < 64; step++) {
    let kind: number;
    try {
      kind = lane.peek();
      if (kind < 0) return;
      const payload = Buffer.from(lane.bytes.subarray(lane.at, lane.at + lane.length));
      if (kind === Tag.object) decodeObject(payload);
      else if (kind === Tag.json) decodeJson(payload);
      else if (!isMessageKind(kind) && kind !== MARK) return; // the reader refuses an unknown kind
    } catch (error) {
      if (error instanceof Error && error.name === 'FrameError') return;
      throw error;
    }
    lane.advance();
  }
}
