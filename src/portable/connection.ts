// A Connection without the addon: one end of a portable Pipe over a node:net socket (a unix
// socket, or the socketpair of a spawn's stdio). The same API, frames and errors as the native
// Connection (src/connection/connection.ts), whose prototype it extends so that `instanceof
// Connection` holds. What it cannot do: carry file descriptors (a Connection, a net.Socket inside
// a sent value), reach a child started by fork/forkserver (those need the addon anyway).
import { Socket } from 'node:net';
import { checkAbortSignal, untilAborted, type AbortableOptions } from '../abortable.ts';
import { Connection, kNeverSpin, kSoleReader, kWhenReady, sliceOf, type RecvOptions, type SendOptions } from '../connection/connection.ts';
import { asError, closedHere } from '../connection/errors.ts';
import { ProcessStateError } from '../errors.ts';
import { normalizeTimeout, typeError } from '../options.ts';
import { kReduce, registerRebuilder, type HandleDescriptor, type ReceivedHandle } from '../reduction.ts';
import { DEFAULT_MAX_FRAME, Tag } from '../wire/protocol.ts';
import { encodePortable, fdsRefused, frameSize } from './encode.ts';
import { type Pair, type PairEnd } from './pair.ts';
import { PortableReader } from './reader.ts';

const KIND = 'multiproc.portable.connection';

/** One end of a portable Pipe (see the top). */
export class PortableConnection implements PairEnd {
  readonly #readable: boolean;
  readonly #writable: boolean;
  #pair: Pair | null = null;
  readonly #reader: PortableReader;
  #socket: Socket | null = null;
  #attached: Promise<Socket>;
  #attach!: (socket: Socket | null, why?: string) => void;
  #away = false; // this end lives in a child (sent before the pair existed): none here
  #closed = false;

  /** Internal: use Pipe(). `socket`: an end that exists already (received by a child); else its Pair makes one. */
  constructor(options: { readable: boolean; writable: boolean; socket?: Socket }) {
    this.#readable = options.readable;
    this.#writable = options.writable;
    this.#reader = new PortableReader(DEFAULT_MAX_FRAME);
    this.#attached = new Promise<Socket>((resolve, reject) => {
      this.#attach = (socket, why) => {
        if (socket === null) {
          const error = new ProcessStateError(`This end of a portable Pipe has no socket: ${why ?? 'it was never made'}.`);
          this.#reader.fail(error);
          reject(error);
          return;
        }
        this.#socket = socket;
        this.#reader.attach(socket);
        resolve(socket);
      };
    });
    this.#attached.catch(() => undefined);
    if (options.socket !== undefined) this.#attach(options.socket);
  }

  /** Internal (portablePipe): the Pair that makes this end's socket. */
  bindPair(pair: Pair): void {
    this.#pair = pair;
  }

  /** Internal (Pair): take `socket` as this end's own. */
  attach(socket: Socket | null, why?: string): void {
    this.#attach(socket, why);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get readable(): boolean {
    return this.#readable;
  }

  get writable(): boolean {
    return this.#writable;
  }

  /** The socket's file descriptor (-1 while the pair is not made yet, or where sockets have none: Windows). */
  fileno(): number {
    this.#use('use fileno()');
    return fdOf(this.#socket) ?? -1;
  }

  send(value: unknown, options: SendOptions = {}): Promise<void> {
    const signal = sendSignal(options);
    this.#use('send', 'send');
    const { tag, payload } = encodePortable(value);
    return this.#write(tag, payload, signal);
  }

  sendBytes(buffer: ArrayBufferView | ArrayBuffer, offset = 0, size?: number, options: SendOptions = {}): Promise<void> {
    const signal = sendSignal(options);
    this.#use('send bytes', 'send');
    return this.#write(Tag.bytes, sliceOf(buffer, offset, size), signal);
  }

  #write(tag: Tag, payload: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    const frame = frameSize(tag, payload);
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    const written = this.#attached.then((socket) => this.#reader.write(socket, frame));
    return untilAborted(written, signal);
  }

  recv<T = unknown>(options: RecvOptions = {}): Promise<T> {
    return this.#read('object', undefined, options, null) as Promise<T>;
  }

  recvBytes(maxLength?: number, options: RecvOptions = {}): Promise<Buffer> {
    if (maxLength !== undefined && maxLength !== null && (typeof maxLength !== 'number' || !Number.isInteger(maxLength) || maxLength < 0)) {
      return rejected(() => typeError('maxLength', 'a non-negative integer', maxLength));
    }
    return this.#read('bytes', maxLength ?? undefined, options, null) as Promise<Buffer>;
  }

  recvBytesInto(buffer: ArrayBufferView | ArrayBuffer, offset = 0, options: RecvOptions = {}): Promise<number> {
    try {
      const target = sliceOf(buffer, offset, undefined);
      return this.#read(
        'into',
        target.length,
        options,
        Buffer.from(target.buffer, target.byteOffset, target.byteLength),
      ) as Promise<number>;
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }

  #read(want: 'object' | 'bytes' | 'into', maxLength: number | undefined, options: RecvOptions, into: Buffer | null): Promise<unknown> {
    try {
      if (typeof options !== 'object' || options === null) typeError('options', 'an object', options);
      const timeoutMs = normalizeTimeout('timeoutMs', options.timeoutMs);
      const signal = checkAbortSignal(options.signal);
      this.#use('receive', 'receive');
      return this.#reader.read({ want, maxLength, into, timeoutMs, signal });
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }

  poll(timeoutOrOptions: number | null | RecvOptions = 0): Promise<boolean> {
    try {
      const options: AbortableOptions =
        typeof timeoutOrOptions === 'object' && timeoutOrOptions !== null ? timeoutOrOptions : { timeoutMs: timeoutOrOptions ?? undefined };
      const timeoutMs = normalizeTimeout('timeoutMs', options.timeoutMs);
      const signal = checkAbortSignal(options.signal);
      this.#use('poll', 'receive');
      return this.#reader.whenReady(timeoutMs, signal);
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }

  pollSync(): boolean {
    this.#use('poll', 'receive');
    return this.#reader.readyNow();
  }

  [kWhenReady](signal: AbortSignal): Promise<boolean> {
    this.#use('wait for', 'receive');
    return this.#reader.whenReady(undefined, signal);
  }

  [kNeverSpin](): void {
    // nothing spins here
  }

  [kSoleReader](): void {
    // its socket reads ahead already
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#reader.close(closedHere('receive'));
    // Sends already made go first, also those still waiting for the pair to be made.
    void this.#attached.then((socket) => this.#reader.afterWrites(() => socket.destroy())).catch(() => undefined);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<unknown, void, undefined> {
    yield* Connection.prototype[Symbol.asyncIterator].call(this as unknown as Connection);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  /** The handle a spawned child rebuilds this end from: its socket's fd, or a ticket for the spawn's pair. */
  [kReduce](): HandleDescriptor {
    this.#use('send a connection to a child');
    if (fdsRefused())
      throw new TypeError(
        'a Connection cannot travel inside a message without the native addon (its socket would have to be passed as a file descriptor): ' +
          'pass it to the Process as an argument instead',
      );
    const data = { readable: this.#readable, writable: this.#writable };
    if (this.#socket === null && this.#pair !== null && this.#pair.unmade) {
      this.#away = true;
      return { kind: KIND, data, fds: [this.#pair.ticketFor(this)] };
    }
    const fd = fdOf(this.#socket);
    if (fd === undefined) {
      throw new TypeError(
        process.platform === 'win32'
          ? 'A used portable Pipe end cannot be sent to a child on Windows (its named pipe has no file descriptor): send the end before using either end.'
          : 'This portable Pipe end is still being connected: await a send() or poll() on it before sending it to a child, or send it before using either end.',
      );
    }
    this.#reader.markShared();
    return { kind: KIND, data, fds: [fd] };
  }

  toString(): string {
    const fd = fdOf(this.#socket);
    const fdPart = fd === undefined ? '' : `, fd ${fd}`;
    const state = `${this.#closed ? ', closed' : ''}${this.#readable ? '' : ', write-only'}${this.#writable ? '' : ', read-only'}`;
    return `Connection(portable${fdPart}${state})`;
  }

  #use(what: string, direction?: 'send' | 'receive'): void {
    if (this.#closed) throw closedHere(what);
    if (this.#away)
      throw new ProcessStateError(
        `Cannot ${what}: this end of a portable Pipe was given to a child process before the Pipe was used, ` +
          'so it lives there only (without the native addon a process keeps no copy). Use the other end here.',
      );
    if (direction === 'send' && !this.#writable) throw new ProcessStateError(`Cannot ${what}: this end of a one-way Pipe is read-only.`);
    if (direction === 'receive' && !this.#readable)
      throw new ProcessStateError(`Cannot ${what}: this end of a one-way Pipe is write-only.`);
    if (this.#socket === null) this.#pair?.wanted();
  }
}
Object.setPrototypeOf(PortableConnection.prototype, Connection.prototype);

// The fd under a net.Socket (libuv's, on Unix), if it has one.
function fdOf(socket: Socket | null): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } | null } | null)?._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

function sendSignal(options: SendOptions): AbortSignal | undefined {
  if (typeof options !== 'object' || options === null) typeError('options', 'an object', options);
  return checkAbortSignal(options.signal);
}

function rejected(fn: () => never): Promise<never> {
  try {
    fn();
  } catch (error) {
    return Promise.reject(asError(error));
  }
}

registerRebuilder(KIND, (handle: ReceivedHandle) => {
  const data = handle.data as { readable: boolean; writable: boolean };
  const socket = new Socket({ fd: handle.fds[0] as number, readable: true, writable: true });
  socket.pause();
  return new PortableConnection({ readable: data.readable, writable: data.writable, socket });
});
