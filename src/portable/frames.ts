// Frames on a portable socket (node:net): the wire format of src/wire/protocol.ts, read from the
// socket's chunks as they come. Every tag a Connection sends travels; nothing is evaluated.
import { HEADER_SIZE, parseHeader, writeHeader, type Tag } from '../wire/protocol.ts';

/** One frame as read from the socket. */
export interface RawFrame {
  tag: Tag;
  payload: Buffer;
}

/** Cuts the socket's chunks into frames; throws FrameError on a header that cannot be right (parseHeader). */
export class FrameCutter {
  readonly #maxFrame: number;
  #chunks: Buffer[] = [];
  #buffered = 0;

  constructor(maxFrame: number) {
    this.#maxFrame = maxFrame;
  }

  /** Bytes held that are not yet a whole frame (a peer that closed now lost them). */
  get buffered(): number {
    return this.#buffered;
  }

  /** Add a chunk; returns the frames it completed. */
  push(chunk: Buffer): RawFrame[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const frames: RawFrame[] = [];
    while (this.#buffered >= HEADER_SIZE) {
      const { tag, length } = parseHeader(this.#take(HEADER_SIZE, false), this.#maxFrame);
      if (this.#buffered < HEADER_SIZE + length) break;
      this.#take(HEADER_SIZE, true);
      frames.push({ tag, payload: this.#take(length, true) });
    }
    return frames;
  }

  // The first n buffered bytes (n <= buffered); removed when `consume`.
  #take(n: number, consume: boolean): Buffer {
    if (this.#chunks.length > 1 && (this.#chunks[0] as Buffer).length < n) this.#chunks = [Buffer.concat(this.#chunks)];
    const first = this.#chunks[0] as Buffer;
    const out = first.subarray(0, n);
    if (consume) {
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      this.#buffered -= n;
    }
    return out;
  }
}

/** One frame's bytes: header and payload. Throws FrameError when the payload is over `maxFrame`. */
export function frameOf(tag: Tag, payload: Uint8Array, maxFrame: number): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_SIZE + payload.length);
  writeHeader(frame, 0, tag, payload.length, maxFrame);
  frame.set(payload, HEADER_SIZE);
  return frame;
}
