// The wire protocol: length-prefixed frames with a tag byte. Everything that crosses a process
// boundary as bytes on a socket or pipe (preparation messages, Connection objects and raw bytes,
// fork server requests) is framed, and every frame header written, peeked at and checked, here
// and nowhere else. The layouts in shared memory sit beside this file: a Pipe lane's records
// (lane-layout.ts), a Queue's ring and items (queue-layout.ts, queue-items.ts). src/wire/ is the
// one place that knows where a byte goes; the modules that use them own only their logic.
//
// Frame: [u32 big-endian payload length][u8 tag][payload]. Objects are v8-serialized
// (structured clone); nothing received is ever evaluated as code.
import { deserialize, serialize } from 'node:v8';
import { ProcessError } from '../errors.ts';

/** Frame tags. */
export const Tag = {
  /** A v8-serialized value. */
  object: 1,
  /** Raw bytes, delivered as they were sent. */
  bytes: 2,
  /** Fork server reply: a child was started; payload is its pid (u32 BE). Allocation-free to
   * encode, because the server sends it right after fork(), when every page it writes is copied. */
  started: 3,
  /** A JSON text (UTF-8): a Connection's fast path for plain data that JSON carries exactly. */
  json: 4,
  /** Connection control frame, no payload: a message is waiting in the Pipe's shared-memory lane (src/connection/lane.ts). */
  wake: 5,
  /** Connection control frame, no payload: the messages after this one are in the lane again. */
  laneReturn: 6,
  /** A value with shareable objects: [v8 payload, handles], their fds sent with the frame's bytes (SCM_RIGHTS; src/connection/handles.ts). */
  handles: 7,
} as const;
export type Tag = (typeof Tag)[keyof typeof Tag];

/** Bytes before the payload: length (4) + tag (1). */
export const HEADER_SIZE = 5;
/** Default cap on one frame's payload: 1 GiB. Larger frames are refused on both ends. */
export const DEFAULT_MAX_FRAME = 1024 * 1024 * 1024;

/** A frame could not be encoded or decoded (bad tag, over the limit, corrupt payload). */
export class FrameError extends ProcessError {
  override name = 'FrameError';
}

/** One decoded frame. */
export interface Frame {
  tag: Tag;
  payload: Buffer;
}

/** Frame header for a payload of `length` bytes. */
export function encodeHeader(tag: Tag, length: number, maxFrame = DEFAULT_MAX_FRAME): Buffer {
  const header = Buffer.allocUnsafe(HEADER_SIZE);
  writeHeader(header, 0, tag, length, maxFrame);
  return header;
}

/** Encode a value as one object frame. */
export function encodeObject(value: unknown, maxFrame = DEFAULT_MAX_FRAME): Buffer {
  const payload = serialize(value);
  return Buffer.concat([encodeHeader(Tag.object, payload.length, maxFrame), payload]);
}

/** Encode raw bytes as one bytes frame. */
export function encodeBytes(bytes: Uint8Array, maxFrame = DEFAULT_MAX_FRAME): Buffer {
  return Buffer.concat([encodeHeader(Tag.bytes, bytes.length, maxFrame), bytes]);
}

/** Decode an object frame's payload. */
export function decodeObject(payload: Buffer): unknown {
  try {
    return deserialize(payload);
  } catch (error) {
    throw new FrameError('A received message could not be decoded (corrupt or truncated frame).', { cause: error });
  }
}

/**
 * Incremental decoder: push chunks as they arrive, take whole frames out. Memory is bounded by
 * the frame limit: a header announcing more is refused before anything is allocated for it.
 */
export class FrameDecoder {
  readonly maxFrame: number;
  #chunks: Buffer[] = [];
  #buffered = 0;

  constructor(maxFrame = DEFAULT_MAX_FRAME) {
    this.maxFrame = maxFrame;
  }

  /** Bytes received but not yet part of a whole frame. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Add received bytes; returns the frames now complete. Throws FrameError on a bad header. */
  push(chunk: Buffer): Frame[] {
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    const frames: Frame[] = [];
    for (;;) {
      if (this.#buffered < HEADER_SIZE) break;
      const { tag, length } = parseHeader(this.#peek(HEADER_SIZE), this.maxFrame, 0, STREAM_TAGS);
      if (this.#buffered < HEADER_SIZE + length) break;
      const whole = this.#take(HEADER_SIZE + length);
      frames.push({ tag, payload: whole.subarray(HEADER_SIZE) });
    }
    return frames;
  }

  // Copies the first n bytes without joining the chunks (a large frame arrives in many).
  #peek(n: number): Buffer {
    const first = this.#chunks[0];
    if (first !== undefined && first.length >= n) return first;
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    for (const chunk of this.#chunks) {
      filled += chunk.copy(out, filled, 0, Math.min(chunk.length, n - filled));
      if (filled === n) break;
    }
    return out;
  }

  // Joins the chunks once, when a whole frame is there.
  #take(n: number): Buffer {
    const joined = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks);
    const out = joined.subarray(0, n);
    const rest = joined.subarray(n);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered -= n;
    return out;
  }
}

// ---- Fork server messages (client = the user's process, server = the fork server) ----

/** client → server, on the request socket: fork a child for `prep`; `fdCount` fds came with it. */
export interface ForkRequest {
  type: 'start';
  prep: unknown;
  fdCount: number;
}

/** client → server: import these modules now, so children forked from now on have them (no reply). */
export interface PreloadRequest {
  type: 'preload';
  urls: string[];
}

/** server → client, on the request socket: the answer to a ForkRequest (`started` travels as a Tag.started frame). */
export type ForkReply = { type: 'started'; pid: number } | { type: 'refused'; message: string };

/** Encode a `started` reply into `frame` (HEADER_SIZE + 4 bytes, allocated once by the server). */
export function encodeStartedInto(frame: Buffer, pid: number): Buffer {
  writeHeader(frame, 0, Tag.started, 4);
  frame.writeUInt32BE(pid, HEADER_SIZE);
  return frame;
}

/** Decode a fork server reply frame. */
export function decodeForkReply(frame: Frame): ForkReply {
  if (frame.tag === Tag.started) {
    if (frame.payload.length !== 4) throw new FrameError('A fork server reply has a bad length.');
    return { type: 'started', pid: frame.payload.readUInt32BE(0) };
  }
  return expectMessage<ForkReply>(decodeObject(frame.payload), ['started', 'refused']);
}

/** server → client, on the event socket: a child ended (Python's exit code convention). */
export interface ForkExitNotice {
  type: 'exited';
  pid: number;
  exitCode: number;
}

/** A received fork-server message of the given type, or a FrameError. */
export function expectMessage<T extends { type: string }>(value: unknown, types: readonly T['type'][]): T {
  if (typeof value === 'object' && value !== null && types.includes((value as { type?: string }).type as T['type'])) return value as T;
  throw new FrameError(`Expected a fork server message (${types.join(', ')}), got ${describe(value)}.`);
}

// A received value in a message, short (JSON.stringify throws on a bigint or a cycle, which a received value may hold).
function describe(value: unknown): string {
  try {
    return (JSON.stringify(value) ?? String(value)).slice(0, 80);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** A received fork-server request, checked field by field (the fork server acts on it as it is), or a FrameError. */
export function expectForkRequest(value: unknown): ForkRequest | PreloadRequest {
  const request = expectMessage<ForkRequest | PreloadRequest>(value, ['start', 'preload']);
  const whole =
    request.type === 'preload'
      ? Array.isArray(request.urls) && request.urls.every((url) => typeof url === 'string')
      : Number.isInteger(request.fdCount) && request.fdCount >= 0 && typeof request.prep === 'object' && request.prep !== null;
  if (!whole) throw new FrameError(`A fork server request of type ${request.type} is malformed: ${describe(value)}.`);
  return request;
}

/** Decode a json frame's payload (JSON.parse: data only, never code). */
export function decodeJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8')) as unknown;
  } catch (error) {
    throw new FrameError('A received message could not be decoded (corrupt JSON frame).', { cause: error });
  }
}

// ---- Frame headers: written, peeked at and checked here only ----

/** The tags a Connection carries (object, bytes, json, handles and the control frames), as a bit set. */
export const CONNECTION_TAGS = tagSet(Tag.object, Tag.bytes, Tag.json, Tag.handles, Tag.wake, Tag.laneReturn);
/** The tags of a FrameDecoder's streams (a child's preparation, the fork server's requests and replies). */
export const STREAM_TAGS = tagSet(Tag.object, Tag.bytes, Tag.started);
const CONTROL_TAGS = tagSet(Tag.wake, Tag.laneReturn);

function tagSet(...tags: Tag[]): number {
  return tags.reduce((set, tag) => set | (1 << tag), 0);
}

/** True if `tag` may appear on a Connection (object, bytes, json and control frames; fork-server tags may not). */
export function isConnectionTag(tag: number): tag is Tag {
  return tag < 31 && ((CONNECTION_TAGS >>> tag) & 1) === 1;
}

/** True if `tag` is a Connection control frame (no payload, never delivered). */
export function isControlTag(tag: number): boolean {
  return tag < 31 && ((CONTROL_TAGS >>> tag) & 1) === 1;
}

/** The tag of the frame header at `offset` (not checked: parseHeader checks). */
export function headerTag(header: Uint8Array, offset: number): number {
  return header[offset + 4] as number;
}

/** The payload length the frame header at `offset` announces (not checked: parseHeader checks). */
export function announcedLength(header: Uint8Array, offset: number): number {
  return (
    ((header[offset] as number) * 0x1000000 +
      (((header[offset + 1] as number) << 16) | ((header[offset + 2] as number) << 8) | (header[offset + 3] as number))) >>>
    0
  );
}

/**
 * Parse and check a frame header (HEADER_SIZE bytes at `offset`): the one validator of headers.
 * Throws FrameError on a tag outside `tags` (a Connection's by default), a length over
 * `maxFrame` or a control frame with a payload, before anything is allocated for the payload.
 */
export function parseHeader(
  header: Uint8Array,
  maxFrame = DEFAULT_MAX_FRAME,
  offset = 0,
  tags = CONNECTION_TAGS,
): { tag: Tag; length: number } {
  const length = announcedLength(header, offset);
  const tag = headerTag(header, offset);
  if (tag >= 31 || ((tags >>> tag) & 1) === 0)
    throw new FrameError(`A received frame has unknown tag ${tag}: the stream is corrupt or not a multiproc connection.`);
  if (length > maxFrame) throw new FrameError(`A received frame announces ${length} bytes, over the limit of ${maxFrame}.`);
  if (length !== 0 && isControlTag(tag))
    throw new FrameError(`A received control frame (tag ${tag}) carries ${length} bytes; it must carry none.`);
  return { tag: tag as Tag, length };
}

/** Write a frame header for `length` payload bytes into `target` at `offset`; FrameError over `maxFrame`. */
export function writeHeader(target: Uint8Array, offset: number, tag: Tag, length: number, maxFrame = DEFAULT_MAX_FRAME): void {
  if (length > maxFrame) {
    throw new FrameError(`A message of ${length} bytes is over the frame limit of ${maxFrame} bytes; send it in parts.`);
  }
  target[offset] = length >>> 24;
  target[offset + 1] = (length >>> 16) & 0xff;
  target[offset + 2] = (length >>> 8) & 0xff;
  target[offset + 3] = length & 0xff;
  target[offset + 4] = tag;
}
