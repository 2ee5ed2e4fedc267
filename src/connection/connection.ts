// Connection: one end of a Pipe (Python's multiprocessing.connection.Connection). Values travel
// as v8-serialized frames (structured clone: nothing received is ever evaluated as code), bytes
// as bytes frames (src/wire/protocol.ts). Shareable: passed to a child as a Process argument, it
// arrives as a Connection over the same socket (the parent keeps its own copy, as in Python).
import { fstatSync } from 'node:fs';
import { checkAbortSignal, untilAborted, type AbortableOptions } from '../abortable.ts';
import { ProcessStateError, SerializationError, TimeoutError } from '../errors.ts';
import type { NativeBinding } from '../native/binding.ts';
import { normalizeTimeout, rangeError, typeError } from '../options.ts';
import { kReduce, type HandleDescriptor } from '../reduction.ts';
import { brand } from '../symbols.ts';
import { mappingOf } from '../shared-memory/mappings.ts';
import { DEFAULT_MAX_FRAME, FrameError, Tag } from '../wire/protocol.ts';
import { closedHere, ConnectionClosedError } from './errors.ts';
import { encodeValue } from './handles.ts';
import { jsonText } from './json.ts';
import type { Lane } from './lane.ts';
import { FrameReader } from './reader.ts';
import { forgetConnection, kAfterFork, kShared, trackConnection, type EndLanes } from './registry.ts';
import type { ReadWaitOptions } from './waiters.ts';
import { FrameWriter, NOT_A_SOCKET } from './writer.ts';

/** Internal (waitReady): resolves true once there is something to receive; rejects when `signal` aborts. */
export const kWhenReady = Symbol.for('multiproc.connection.whenReady');
/** Internal (Pool, Listener, Client): receives on this end never spin before they wait (see reader.ts). */
export const kNeverSpin = Symbol.for('multiproc.connection.neverSpin');
/** Internal (a manager's process): this process is the only reader of this received end again; it may read ahead (socket-frames.ts). */
export const kSoleReader = Symbol.for('multiproc.connection.soleReader');

/** Options of recv()/recvBytes(): give up after `timeoutMs` (TimeoutError) or when `signal` aborts. */
export interface RecvOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Options of send()/sendBytes(): stop waiting for the write when `signal` aborts. */
export interface SendOptions {
  signal?: AbortSignal;
}

/** The `data` of a reduced Connection (its kind is 'connection'; its fd, then its lanes' memory when it has lanes). */
export interface ConnectionHandleData {
  readable: boolean;
  writable: boolean;
  lanes?: LanesHandle;
}

/** Internal: what openConnection() needs besides the fd. */
export interface ConnectionOptions {
  readable: boolean;
  writable: boolean;
  native: NativeBinding;
  maxFrame?: number;
  shared?: boolean;
  lanes?: Lanes | null;
}

/** Where a Connection's lanes are: a shared mapping, and each lane's offset in it (-1: none). */
export interface LanesHandle {
  mapping: string;
  size: number;
  inbound: number;
  outbound: number;
}

/** A Connection's lanes (lane.ts): the one it receives from and the one it sends into, in one shared mapping. */
export interface Lanes {
  inbound: Lane | null;
  outbound: Lane | null;
}

/** One end of a Pipe: send/recv values, sendBytes/recvBytes, poll, close. */
export class Connection implements AsyncIterable<unknown> {
  readonly #fd: number;
  readonly #native: NativeBinding;
  readonly #readable: boolean;
  readonly #writable: boolean;
  readonly #reader: FrameReader | null;
  readonly #writer: FrameWriter | null;
  readonly #lanes: Lanes | null;
  readonly #maxFrame: number;
  #socket: boolean | undefined;
  #closed = false;

  /**
   * Not for users: Connections come from Pipe(), Client(), Listener.accept() (openConnection() here).
   * @internal
   */
  constructor(fd: number, options: ConnectionOptions) {
    if (!opening)
      throw new TypeError('Connections come from Pipe(), Client(address) or Listener.accept(); do not construct Connection directly.');
    const maxFrame = options.maxFrame ?? DEFAULT_MAX_FRAME;
    this.#fd = fd;
    this.#maxFrame = maxFrame;
    this.#native = options.native;
    this.#readable = options.readable;
    this.#writable = options.writable;
    // Writes must never block the event loop (what does not fit waits in the writer's queue).
    // O_NONBLOCK belongs to the open file, shared with the processes this end is passed to.
    options.native.setNonBlocking(fd, true);
    this.#lanes = options.lanes ?? null;
    this.#reader = options.readable
      ? new FrameReader(this, fd, options.native, maxFrame, options.shared !== true, this.#lanes?.inbound ?? null)
      : null;
    this.#writer = options.writable ? new FrameWriter(fd, options.native, maxFrame, this.#lanes?.outbound ?? null) : null;
    trackConnection(this, fd, this.#countOnLanes(1), { reader: this.#reader, writer: this.#writer });
  }

  /** True once close() was called in this process. */
  get closed(): boolean {
    return this.#closed;
  }

  /** True if this end can receive. */
  get readable(): boolean {
    return this.#readable;
  }

  /** True if this end can send. */
  get writable(): boolean {
    return this.#writable;
  }

  /** The file descriptor (Python's fileno()). */
  fileno(): number {
    this.#check('use fileno()');
    return this.#fd;
  }

  /**
   * Send a value by structured clone (v8.serialize: Map, Set, Date, BigInt, typed arrays …).
   * Resolves once the OS has the bytes; calls not awaited keep their order. What is known at the
   * call throws there (a value that cannot travel: SerializationError; a message over the frame
   * limit: FrameError; an end closed or read-only here); only what happens to the bytes afterwards
   * (the other end gone) rejects, so a send never awaited cannot crash the process for the former.
   * `signal`: stop waiting for the write (rejects with its reason); a message already handed to the
   * OS or queued behind others is still sent (a frame cannot be taken back half-written).
   */
  send(value: unknown, options: SendOptions = {}): Promise<void> {
    const signal = sendSignal(options);
    const writer = this.#writerFor('send');
    const text = jsonText(value);
    if (text !== null) {
      if (text.length * 3 > this.#maxFrame) this.#checkSize(Buffer.byteLength(text, 'utf8'));
      return this.#sending(() => writer.writeText(Tag.json, text), signal);
    }
    const { tag, payload, fds } = encodeValue(value, this.#native);
    if (fds.length > 0 && !this.#isSocket()) {
      for (const fd of fds) this.#native.close(fd);
      throw new SerializationError('value', NOT_A_SOCKET);
    }
    try {
      this.#checkSize(payload.length);
    } catch (error) {
      for (const fd of fds) this.#native.close(fd);
      throw error;
    }
    return this.#sending(() => (fds.length === 0 ? writer.write(tag, payload) : writer.writeWithFds(tag, payload, fds)), signal);
  }

  /**
   * Send bytes as one message (`offset` and `size` select a part of `buffer`). Resolves once the OS
   * has them; until then do not modify `buffer` (a large message may be written as the other end
   * reads). Bad arguments, a message over the frame limit, an end closed here throw at the call.
   * `signal` as for send().
   */
  sendBytes(buffer: ArrayBufferView | ArrayBuffer, offset = 0, size?: number, options: SendOptions = {}): Promise<void> {
    const signal = sendSignal(options);
    const writer = this.#writerFor('send bytes');
    const bytes = sliceOf(buffer, offset, size);
    this.#checkSize(bytes.length);
    return this.#sending(() => writer.write(Tag.bytes, bytes), signal);
  }

  // Hand a frame to the writer: a failure of the write itself (a broken pipe) becomes a rejection.
  // An aborted signal sends nothing; one that aborts later stops the waiting only.
  #sending(write: () => Promise<void>, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    this.#reader?.noteSent();
    try {
      return untilAborted(write(), signal);
    } catch (error) {
      return rejected(error);
    }
  }

  #checkSize(length: number): void {
    if (length > this.#maxFrame)
      throw new FrameError(`A message of ${length} bytes is over the frame limit of ${this.#maxFrame} bytes; send it in parts.`);
  }

  // Whether this end is a socket (a one-way Pipe is an OS pipe, which cannot carry fds); asked once.
  #isSocket(): boolean {
    return (this.#socket ??= fstatSync(this.#fd).isSocket());
  }

  /** Receive the next value. Rejects with ConnectionClosedError once the other end closed. */
  recv<T = unknown>(options: RecvOptions = {}): Promise<T> {
    try {
      const reader = this.#readerFor('receive');
      return reader.read('object', undefined, waitOptions(options), timedOut) as Promise<T>;
    } catch (error) {
      return rejected(error);
    }
  }

  /**
   * Receive the next message as bytes (a Buffer). A message longer than `maxLength` is left
   * unread and this call rejects with MessageTooLongError (the connection stays usable).
   */
  recvBytes(maxLength?: number, options: RecvOptions = {}): Promise<Buffer> {
    try {
      if (maxLength !== undefined && maxLength !== null) {
        if (typeof maxLength !== 'number') typeError('maxLength', 'a non-negative integer', maxLength);
        if (!Number.isInteger(maxLength) || maxLength < 0) rangeError('maxLength', 'a non-negative integer', maxLength);
      }
      const reader = this.#readerFor('receive');
      return reader.read('bytes', maxLength ?? undefined, waitOptions(options), timedOut) as Promise<Buffer>;
    } catch (error) {
      return rejected(error);
    }
  }

  /**
   * Receive the next message into `buffer` from `offset` (Python's recv_bytes_into): no allocation,
   * the bytes are read straight into place. Resolves with the message's length. A message longer
   * than the room after `offset` is left unread and this call rejects with MessageTooLongError.
   */
  recvBytesInto(buffer: ArrayBufferView | ArrayBuffer, offset = 0, options: RecvOptions = {}): Promise<number> {
    try {
      const target = sliceOf(buffer, offset, undefined);
      const reader = this.#readerFor('receive');
      const into = Buffer.from(target.buffer, target.byteOffset, target.byteLength);
      return reader.read('into', into.length, waitOptions(options), timedOut, into) as Promise<number>;
    } catch (error) {
      return rejected(error);
    }
  }

  /**
   * Whether there is something to receive (or the other end closed); waits up to `timeoutMs`
   * (a number as Python's poll(timeout): default 0, null for no limit; in the options form, no
   * `timeoutMs` means no limit). Rejects with the signal's reason when `signal` aborts.
   */
  poll(timeoutOrOptions: number | null | RecvOptions = 0): Promise<boolean> {
    try {
      const options: AbortableOptions =
        typeof timeoutOrOptions === 'object' && timeoutOrOptions !== null ? timeoutOrOptions : { timeoutMs: timeoutOrOptions ?? undefined };
      const timeout = normalizeTimeout('timeoutMs', options.timeoutMs);
      const signal = checkAbortSignal(options.signal);
      const reader = this.#readerFor('poll');
      return reader.whenReady({ timeoutMs: timeout, signal }) as Promise<boolean>;
    } catch (error) {
      return rejected(error);
    }
  }

  /** Internal: see kWhenReady. */
  [kWhenReady](signal: AbortSignal): Promise<boolean> {
    return this.#readerFor('wait for').whenReady({ signal }) as Promise<boolean>;
  }

  /** Internal: see kNeverSpin. */
  [kNeverSpin](): void {
    this.#reader?.neverSpin();
  }

  /** Internal: see kSoleReader (a later fork of this process shares it again). */
  [kSoleReader](): void {
    this.#reader?.markExclusive();
  }

  /** Whether a recv() would not wait, right now (a synchronous poll(0)). */
  pollSync(): boolean {
    return this.#readerFor('poll').readyNow();
  }

  /**
   * Close this end in this process (other processes' copies stay open). Waiting receives reject
   * with ConnectionClosedError; frames already passed to send() are still written first.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    forgetConnection(this);
    this.#countOnLanes(-1);
    // The error (and its stack) only for receives that wait: later ones throw at the call.
    this.#reader?.close(this.#reader.waiting ? closedHere('receive') : (closedQuietly ??= closedHere('receive')));
    const release = () => {
      this.#writer?.close();
      try {
        this.#native.close(this.#fd);
      } catch {
        // already closed by the OS layer of a forked child; nothing to release
      }
    };
    if (this.#writer === null) release();
    else this.#writer.afterDrain(release);
  }

  /** Values received until the other end closes (ends quietly then). */
  async *[Symbol.asyncIterator](): AsyncGenerator<unknown, void, undefined> {
    for (;;) {
      try {
        yield await this.recv();
      } catch (error) {
        if (error instanceof ConnectionClosedError) return;
        throw error;
      }
    }
  }

  /** close(), for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** close(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  /** The handle a child rebuilds this end from (see src/reduction.ts). */
  [kReduce](): HandleDescriptor {
    this.#check('send a connection to a child');
    this.#reader?.markShared(); // the child may read this end too: no more reading ahead here
    const data: ConnectionHandleData = { readable: this.#readable, writable: this.#writable };
    const inbound = this.#lanes?.inbound ?? null;
    const outbound = this.#lanes?.outbound ?? null;
    const either = inbound ?? outbound;
    const mapping = either === null ? undefined : mappingOf(either.buffer);
    if (mapping === undefined) return { kind: 'connection', data, fds: [this.#fd] };
    data.lanes = { mapping: mapping.id, size: mapping.size, inbound: inbound?.byteOffset ?? -1, outbound: outbound?.byteOffset ?? -1 };
    return { kind: 'connection', data, fds: [this.#fd, mapping.fd] };
  }

  toString(): string {
    return `Connection(fd ${this.#fd}${this.#closed ? ', closed' : ''}${this.#readable ? '' : ', write-only'}${this.#writable ? '' : ', read-only'})`;
  }

  // Count this end on its lanes (1: made, or copied into this process; -1: closed): a receiver on
  // the lane it receives from, a producer on the one it sends into. Returns those lanes.
  #countOnLanes(delta: 1 | -1): EndLanes {
    const receiving = this.#reader === null ? null : (this.#lanes?.inbound ?? null);
    const sending = this.#writer === null ? null : (this.#lanes?.outbound ?? null);
    receiving?.countReceiver(delta);
    sending?.countProducer(delta);
    return { receiving, sending };
  }

  #check(what: string): void {
    if (this.#closed) throw closedHere(what);
  }

  #readerFor(what: string): FrameReader {
    this.#check(what);
    if (this.#reader === null) throw new ProcessStateError(`Cannot ${what}: this end of a one-way Pipe is write-only.`);
    return this.#reader;
  }

  #writerFor(what: string): FrameWriter {
    this.#check(what);
    if (this.#writer === null) throw new ProcessStateError(`Cannot ${what}: this end of a one-way Pipe is read-only.`);
    return this.#writer;
  }

  /** Internal: another process (a forked child) holds a copy of this end now. */
  [kShared](): void {
    this.#reader?.markShared();
  }

  /** Internal: in a forked child, forget the parent's pending operations on this copy. */
  [kAfterFork](): void {
    this.#countOnLanes(1); // this process holds a copy now
    this.#reader?.forgetAfterFork();
    this.#writer?.forgetAfterFork();
  }
}
brand(Connection, 'Connection');

let opening = false;
/** The reader's failure after close() with nothing waiting: never shown to anyone (see close()). */
let closedQuietly: Error | undefined;

/**
 * Internal: a Connection over `fd`, which it owns from now on. `shared`: other processes may hold
 * the fd (it was received from a parent): read exactly one frame at a time (see reader.ts).
 * `lanes`: the shared-memory lanes of a Pipe (lane.ts), which its other end has too.
 */
export function openConnection(fd: number, options: ConnectionOptions): Connection {
  opening = true;
  try {
    return new Connection(fd, options);
  } finally {
    opening = false;
  }
}

function waitOptions(options: RecvOptions): ReadWaitOptions {
  if (typeof options !== 'object' || options === null) typeError('options', 'an object', options);
  const timeoutMs = normalizeTimeout('timeoutMs', options.timeoutMs);
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) typeError('signal', 'an AbortSignal', signal);
  return { timeoutMs, signal };
}

function sendSignal(options: SendOptions): AbortSignal | undefined {
  if (typeof options !== 'object' || options === null) typeError('options', 'an object', options);
  return checkAbortSignal(options.signal);
}

function timedOut(): { ok: false; error: unknown } {
  return { ok: false, error: new TimeoutError('Nothing was received within timeoutMs; the connection is still usable.') };
}

/** Bytes of `buffer` from `offset`, `size` of them (default: to the end), as a view (no copy); checked in the house format. */
export function sliceOf(buffer: ArrayBufferView | ArrayBuffer, offset: number, size: number | undefined): Uint8Array {
  let bytes: Uint8Array;
  if (buffer instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer))
    bytes = new Uint8Array(buffer);
  else if (ArrayBuffer.isView(buffer)) bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  else typeError('buffer', 'a Buffer, typed array, DataView or ArrayBuffer', buffer);
  if (typeof offset !== 'number') typeError('offset', 'a non-negative integer', offset);
  if (!Number.isInteger(offset) || offset < 0 || offset > bytes.length)
    rangeError('offset', `an integer from 0 to ${bytes.length}`, offset);
  const end = size === undefined ? bytes.length : offset + size;
  if (size !== undefined) {
    if (typeof size !== 'number') typeError('size', 'a non-negative integer', size);
    if (!Number.isInteger(size) || size < 0 || end > bytes.length)
      rangeError('size', `an integer from 0 to ${bytes.length - offset}`, size);
  }
  return offset === 0 && end === bytes.length ? bytes : bytes.subarray(offset, end);
}

// A synchronous failure of an async-looking method, as a rejection.
function rejected(error: unknown): Promise<never> {
  return Promise.reject(error instanceof Error ? error : new Error(String(error)));
}
