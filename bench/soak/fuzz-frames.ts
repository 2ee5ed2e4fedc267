// Random and mutated bytes into the frame decoder (src/wire/protocol.ts) and what decodes a
// frame's payload after it: a Connection's header parser, object and JSON payloads, a fork
// server's reply and request. Every case ends in frames, values, or a FrameError: never another
// error, a crash, or a decoder holding more than one frame (fuzz-input.ts's feed checks that).
import {
  decodeForkReply,
  decodeJson,
  decodeObject,
  encodeBytes,
  encodeObject,
  encodeStartedInto,
  expectMessage,
  FrameDecoder,
  HEADER_SIZE,
  parseHeader,
  Tag,
  type Frame,
} from '../../src/wire/protocol.ts';
import { feed, random, randomBytes } from '../../test/wire/fuzz-input.ts';
import { Failures, row, type Row } from './row.ts';
import { mutate, unexpected } from './mutate.ts';

/** A stream of valid frames of every kind (what mutations start from). */
function validStream(): Buffer {
  return Buffer.concat([
    encodeObject({ type: 'start', prep: { version: 1, name: 'Process-1' }, fdCount: 2 }),
    encodeObject([1, 'two', { three: new Map([[3, 3n]]) }, new Float64Array([4])]),
    encodeBytes(Buffer.from('raw bytes')),
    encodeStartedInto(Buffer.alloc(HEADER_SIZE + 4), 4242),
    encodeObject({ type: 'refused', message: 'no' }),
  ]);
}

/** Decode a frame's payload the ways a receiver may (each may refuse with FrameError only). */
function decodeFrame(frame: Frame): void {
  if (frame.tag === Tag.started || frame.tag === Tag.object) tolerate(() => decodeForkReply(frame));
  if (frame.tag === Tag.object) tolerate(() => expectMessage(decodeObject(frame.payload), ['start', 'preload']));
  tolerate(() => decodeJson(frame.payload));
}

function tolerate(decode: () => unknown): void {
  try {
    decode();
  } catch (error) {
    if (!(error instanceof Error && error.name === 'FrameError')) throw error;
  }
}

/** `count` cases: random bytes, mutated valid streams, random Connection headers and payloads. */
export function fuzzFrames(count: number, seed = 0xf4a3e): Row {
  const startedAt = performance.now();
  const failures = new Failures();
  const next = random(seed);
  const valid = validStream();
  let frames = 0;
  let refused = 0;
  for (let i = 0; i < count; i++) {
    try {
      if (i % 3 === 2) {
        const bytes = randomBytes(next, HEADER_SIZE + Math.floor(next() * 64));
        if (next() < 0.5) bytes[4] = 1 + Math.floor(next() * 6);
        tolerate(() => {
          const { tag, length } = parseHeader(bytes, 1 << 20);
          const payload = bytes.subarray(HEADER_SIZE, HEADER_SIZE + length);
          if (tag === Tag.json) decodeJson(payload);
          if (tag === Tag.object) decodeObject(payload);
        });
        continue;
      }
      const bytes = i % 3 === 0 ? randomBytes(next, Math.floor(next() * 600)) : mutate(valid, next);
      const outcome = feed(new FrameDecoder(next() < 0.5 ? 4096 : undefined), bytes, next);
      frames += outcome.frames.length;
      if (outcome.error !== null) refused++;
      for (const frame of outcome.frames) decodeFrame(frame);
    } catch (error) {
      failures.add(unexpected(i, seed, error));
    }
  }
  return row(
    'fuzz',
    'frames (protocol.ts)',
    count,
    failures,
    `${frames} frames decoded, ${refused} streams refused (FrameError)`,
    startedAt,
  );
}
