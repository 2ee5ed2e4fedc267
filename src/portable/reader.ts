// The receiving (and write-tracking) half of a portable Connection: frames cut from the socket's
// chunks, handed to receives and polls in order. The socket reads only while someone waits
// (paused and unref'd otherwise, so an idle end keeps no process alive); a chunk may hold more
// than one frame, so an end shared with a child reads ahead of it: take turns on a portable end
// by passing it, not by reading it from two processes at once (docs/DECISIONS.md, Portable path).
import type { Socket } from 'node:net';
import { brokenPipe, endOfFile, MessageTooLongError } from '../connection/errors.ts';
import { decodeHandles } from '../connection/handles.ts';
import { TimeoutError } from '../errors.ts';
import { decodeJson, decodeObject, Tag } from '../wire/protocol.ts';
import { FrameCutter, type RawFrame } from './frames.ts';

/** One receive: what it wants, its limit, its target (recvBytesInto), its timeout and signal. */
export interface ReadRequest {
  want: 'object' | 'bytes' | 'into';
  maxLength: number | undefined;
  into: Buffer | null;
  timeoutMs: number | undefined;
  signal: AbortSignal | undefined;
}

interface Waiter {
  request: ReadRequest | null; // null: a poll
  resolve(value: unknown): void;
  reject(error: Error): void;
  cleanup(): void;
}

/** Frames from one socket, for the receives and polls of one end. */
export class PortableReader {
  readonly #cutter: FrameCutter;
  readonly #frames: RawFrame[] = [];
  readonly #waiters: Waiter[] = [];
  #socket: Socket | null = null;
  #failure: Error | null = null;
  #writes = 0;
  #afterWrites: (() => void)[] = [];

  constructor(maxFrame: number) {
    this.#cutter = new FrameCutter(maxFrame);
  }

  /** Read from `socket` from now on. */
  attach(socket: Socket): void {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      try {
        this.#frames.push(...this.#cutter.push(chunk));
      } catch (error) {
        this.fail(error as Error);
        socket.destroy();
      }
      this.#pump();
    });
    socket.on('end', () => this.fail(endOfFile(this.#cutter.buffered > 0)));
    socket.on('close', () => this.fail(endOfFile(this.#cutter.buffered > 0)));
    socket.on('error', () => undefined); // the write callbacks and 'close' report it
    this.#pump();
  }

  /** Every later read fails with `error` (once the frames already here are taken). */
  fail(error: Error): void {
    this.#failure ??= error;
    this.#pump();
  }

  /** This end closed here: waiting receives reject with `error`, now. */
  close(error: Error): void {
    this.#failure = error;
    this.#frames.length = 0;
    for (const waiter of this.#waiters.splice(0)) {
      waiter.cleanup();
      waiter.reject(error);
    }
  }

  /** The end was sent to a child, which may read it too (nothing more to do: reads happen only while waiting). */
  markShared(): void {}

  /** The next frame as the request wants it. */
  read(request: ReadRequest): Promise<unknown> {
    return this.#enqueue(request, request.timeoutMs, request.signal);
  }

  /** True once a frame (or the end) is here; false after `timeoutMs` (0: at once). */
  whenReady(timeoutMs: number | undefined, signal: AbortSignal | undefined): Promise<boolean> {
    if (this.readyNow()) return Promise.resolve(true);
    if (timeoutMs === 0) return Promise.resolve(false);
    return this.#enqueue(null, timeoutMs, signal) as Promise<boolean>;
  }

  /** Whether a receive would not wait now. */
  readyNow(): boolean {
    return this.#frames.length > 0 || this.#failure !== null;
  }

  /** Write `frame`; resolves once the OS has it (ConnectionClosedError when the peer is gone). */
  write(socket: Socket, frame: Buffer): Promise<void> {
    this.#writes++;
    socket.ref();
    return new Promise<void>((resolve, reject) => {
      socket.write(frame, (error) => {
        if (--this.#writes === 0) {
          if (this.#waiters.length === 0) socket.unref();
          for (const fn of this.#afterWrites.splice(0)) fn();
        }
        if (error === null || error === undefined) resolve();
        else reject(brokenPipe(error));
      });
    });
  }

  /** Run `fn` once the writes started are done (at once when none is). */
  afterWrites(fn: () => void): void {
    if (this.#writes === 0) fn();
    else this.#afterWrites.push(fn);
  }

  #enqueue(request: ReadRequest | null, timeoutMs: number | undefined, signal: AbortSignal | undefined): Promise<unknown> {
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => this.#giveUp(waiter, signal?.reason as Error);
      const waiter: Waiter = {
        request,
        resolve,
        reject,
        cleanup: () => {
          if (timer !== undefined) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          if (request === null) this.#giveUp(waiter, null);
          else this.#giveUp(waiter, new TimeoutError('Nothing was received within timeoutMs; the connection is still usable.'));
        }, timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#pump();
    });
  }

  // A waiter leaves: a poll with false (error null), a receive with `error`.
  #giveUp(waiter: Waiter, error: Error | null): void {
    const at = this.#waiters.indexOf(waiter);
    if (at < 0) return;
    this.#waiters.splice(at, 1);
    waiter.cleanup();
    if (error === null) waiter.resolve(false);
    else waiter.reject(error);
    this.#flow();
  }

  // Hand frames to the waiters in order; polls are told as soon as anything is here.
  #pump(): void {
    while (this.#waiters.length > 0 && this.readyNow()) {
      const waiter = this.#waiters[0] as Waiter;
      if (waiter.request === null) {
        this.#waiters.shift();
        waiter.cleanup();
        waiter.resolve(true);
        continue;
      }
      const frame = this.#frames[0];
      if (frame === undefined) {
        this.#waiters.shift();
        waiter.cleanup();
        waiter.reject(this.#failure as Error);
        continue;
      }
      if (frame.tag === Tag.wake || frame.tag === Tag.laneReturn) {
        this.#frames.shift();
        continue;
      }
      this.#waiters.shift();
      waiter.cleanup();
      this.#serve(waiter, waiter.request, frame);
    }
    this.#flow();
  }

  #serve(waiter: Waiter, request: ReadRequest, frame: RawFrame): void {
    const { payload } = frame;
    const limit = request.want === 'object' ? undefined : request.maxLength;
    if (limit !== undefined && payload.length > limit) {
      waiter.reject(new MessageTooLongError(payload.length, limit)); // the frame stays for the next receive
      return;
    }
    this.#frames.shift();
    try {
      if (request.want === 'into') {
        payload.copy(request.into as Buffer);
        waiter.resolve(payload.length);
      } else if (request.want === 'bytes') waiter.resolve(Buffer.from(payload));
      else if (frame.tag === Tag.object) waiter.resolve(decodeObject(payload));
      else if (frame.tag === Tag.json) waiter.resolve(decodeJson(payload));
      else if (frame.tag === Tag.handles) waiter.resolve(decodeHandles(payload, () => []));
      else waiter.resolve(Buffer.from(payload));
    } catch (error) {
      waiter.reject(error as Error);
    }
  }

  // Read (and keep the process alive) only while someone waits.
  #flow(): void {
    const socket = this.#socket;
    if (socket === null || socket.destroyed) return;
    if (this.#waiters.length > 0) {
      socket.ref();
      socket.resume();
    } else {
      socket.pause();
      if (this.#writes === 0) socket.unref();
    }
  }
}
