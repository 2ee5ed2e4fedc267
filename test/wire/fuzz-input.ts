// Fuzz input shared by the decoder tests and the soak's fuzzing (bench/soak/fuzz-*.ts): a seeded
// generator (a failing case is named by its seed and index), random bytes, and feeding a byte
// stream to a FrameDecoder in random chunks as a reader would.
import assert from 'node:assert/strict';
import { FrameError, HEADER_SIZE, type Frame, type FrameDecoder } from '../../src/wire/protocol.ts';

/** xorshift32: small, seeded, reproducible; numbers in [0, 1). */
export function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/** `length` random bytes from `next`. */
export function randomBytes(next: () => number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(next() * 256);
  return out;
}

/**
 * Push `bytes` in random chunks; collect frames until a FrameError (then stop, as a reader would).
 * Asserts that the decoder never holds more than one frame and a chunk.
 */
export function feed(decoder: FrameDecoder, bytes: Buffer, next: () => number): { frames: Frame[]; error: FrameError | null } {
  const frames: Frame[] = [];
  for (let offset = 0; offset < bytes.length;) {
    const size = 1 + Math.floor(next() * 300);
    const chunk = bytes.subarray(offset, offset + size);
    offset += size;
    try {
      frames.push(...decoder.push(chunk));
    } catch (error) {
      if (error instanceof FrameError) return { frames, error };
      throw error;
    }
    assert.ok(decoder.buffered <= decoder.maxFrame + HEADER_SIZE + chunk.length, 'the decoder never holds more than one frame and a chunk');
  }
  return { frames, error: null };
}
