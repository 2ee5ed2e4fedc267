// The sending half of a Connection. A frame is written at once with write(2) when the kernel has
// room (the common case: the Promise resolves with the bytes already in the OS). What does not
// fit goes through a write-only net.Socket over a dup of the fd, which libuv writes as the other
// end drains; later frames queue behind it, so the order of send() calls is kept even when no
// one awaits them. The socket never reads (it would take bytes from the real reader).
//
// A Pipe's ends also have a lane (lane.ts): a small message goes into that shared-memory ring
// when it has room, with no system call; the socket then carries only large messages, the
// switches between the two carriers, and wake-ups for a receiver that sleeps.
import { writevSync } from 'node:fs';
import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { SerializationError } from '../errors.ts';
import type { NativeBinding } from '../native/binding.ts';
import { DEFAULT_MAX_FRAME, HEADER_SIZE, Tag, writeHeader } from '../wire/protocol.ts';
import { brokenPipe } from './errors.ts';
import { LANE_MAX_PAYLOAD, type Lane } from './lane.ts';

const done: Promise<void> = Promise.resolve();
/** The message of the SerializationError for fds sent over an OS pipe. */
export const NOT_A_SOCKET =
  'value: holds shareable objects (a Lock, a Connection, shared memory …), whose file descriptors a one-way Pipe (an OS pipe) ' +
  'cannot carry: nothing was sent. Use a duplex Pipe(), or pass them to the Process as arguments.';
const NOTHING = new Uint8Array(0);
/** How long (ms) the lane trusts that the other end is there before asking the kernel again. */
const PEER_CHECK_MS = 1;
/** Frames up to this size are copied behind their header and written in one write(2). */
const COPY_LIMIT = 64 * 1024;

export class FrameWriter {
  readonly #fd: number;
  readonly #native: NativeBinding;
  readonly #maxFrame: number;
  readonly #lane: Lane | null;
  #peerSeenAt = -Infinity; // performance.now() when the kernel last said the other end is there
  #scratch: Buffer | null = null;
  #socket: Socket | null = null;
  #pending = 0; // frames handed to the socket and not yet written
  #closeWhenDrained: (() => void) | null = null;
  #drainWaiters: (() => void)[] = [];
  #held: Promise<void> | null = null; // a frame with fds waits to be written: later frames wait behind it

  constructor(fd: number, native: NativeBinding, maxFrame = DEFAULT_MAX_FRAME, lane: Lane | null = null) {
    this.#fd = fd;
    this.#native = native;
    this.#maxFrame = maxFrame;
    this.#lane = lane;
  }

  /** Frames not yet handed to the OS. */
  get pending(): number {
    return this.#pending;
  }

  /** Write one frame; resolves once the OS has all of it. Throws FrameError (over the limit) before writing. */
  write(tag: Tag, payload: Uint8Array): Promise<void> {
    if (this.#held !== null) return this.#behind(() => this.write(tag, payload));
    const length = payload.length;
    if (this.#lane !== null) {
      const at = this.#laneRoom(length);
      if (at >= 0) {
        this.#lane.bytes.set(payload, at);
        return this.#published(tag, length);
      }
    }
    return this.#toSocket(tag, payload);
  }

  // A message by the socket: leave the lane first (see lane.ts).
  #toSocket(tag: Tag, payload: Uint8Array): Promise<void> {
    this.#leaveLane();
    return this.#frame(tag, payload);
  }

  #leaveLane(): void {
    const lane = this.#lane;
    if (lane === null || !lane.lockProducer()) return;
    if (!lane.producerOnSocket) {
      lane.pushMark();
      lane.producerOnSocket = true;
    }
    lane.unlockProducer();
  }

  // One frame on the socket: written now when the kernel has room, else queued behind the others.
  #frame(tag: Tag, payload: Uint8Array): Promise<void> {
    const length = payload.length;
    let frame: Buffer;
    if (length <= COPY_LIMIT) {
      const size = HEADER_SIZE + length;
      if (this.#scratch === null || this.#scratch.length < size) this.#scratch = Buffer.allocUnsafe(Math.max(size, 4096));
      writeHeader(this.#scratch, 0, tag, length, this.#maxFrame);
      this.#scratch.set(payload, HEADER_SIZE);
      frame = this.#scratch.subarray(0, size);
      if (this.#pending > 0) return this.#queue([Buffer.from(frame)]);
      const written = this.#writeNow(frame);
      if (written === size) return done;
      return this.#queue([Buffer.from(frame.subarray(written))]);
    }
    const header = Buffer.allocUnsafe(HEADER_SIZE);
    writeHeader(header, 0, tag, length, this.#maxFrame);
    const body = Buffer.from(payload.buffer, payload.byteOffset, length);
    if (this.#pending > 0) return this.#queue([header, body]);
    const written = this.#tryWrite(() => writevSync(this.#fd, [header, body]));
    if (written === HEADER_SIZE + length) return done;
    if (written < HEADER_SIZE) return this.#queue([header.subarray(written), body]);
    return this.#queue([body.subarray(written - HEADER_SIZE)]);
  }

  /** Write one frame whose payload is `text` in UTF-8 (encoded straight behind the header when it fits). */
  writeText(tag: Tag, text: string): Promise<void> {
    if (this.#held !== null) return this.#behind(() => this.writeText(tag, text));
    if (this.#lane !== null) {
      const at = this.#laneRoom(text.length * 3);
      if (at >= 0) return this.#published(tag, this.#lane.bytes.write(text, at, text.length * 3, 'utf8'));
    }
    this.#leaveLane();
    if (text.length * 3 > COPY_LIMIT) return this.#frame(tag, Buffer.from(text, 'utf8'));
    const room = HEADER_SIZE + text.length * 3;
    if (this.#scratch === null || this.#scratch.length < room) this.#scratch = Buffer.allocUnsafe(Math.max(room, 4096));
    const length = this.#scratch.write(text, HEADER_SIZE, 'utf8');
    writeHeader(this.#scratch, 0, tag, length, this.#maxFrame);
    const frame = this.#scratch.subarray(0, HEADER_SIZE + length);
    if (this.#pending > 0) return this.#queue([Buffer.from(frame)]);
    const written = this.#writeNow(frame);
    if (written === frame.length) return done;
    return this.#queue([Buffer.from(frame.subarray(written))]);
  }

  // Where a payload of up to `maxLength` bytes goes in the lane, or -1 (too large, or no room now).
  // Coming back from the socket writes a laneReturn frame first (behind every frame before it).
  // On success the producers' lock is held until #published.
  #laneRoom(maxLength: number): number {
    const lane = this.#lane as Lane;
    // Frames of this end still queued for the socket go first: what follows them waits there too.
    if (maxLength > LANE_MAX_PAYLOAD || maxLength > this.#maxFrame || this.#pending > 0) return -1;
    if (!lane.receiversOpen() || !this.#peerThere() || !lane.lockProducer()) return -1;
    let at = -1;
    try {
      const reserved = lane.aloneProducing() ? lane.reserve(maxLength) : -1;
      if (reserved >= 0 && lane.producerOnSocket) {
        // Written now, or queued behind the frames before it (a later failure shows on those frames).
        this.#frame(Tag.laneReturn, NOTHING).catch(() => undefined);
        lane.producerOnSocket = false;
      }
      at = reserved;
    } finally {
      if (at < 0) lane.unlockProducer();
    }
    return at;
  }

  // Whether the other end is there, as the kernel said within PEER_CHECK_MS (a record in the lane
  // of a peer that is gone would be lost without an error; on the socket, the send fails).
  #peerThere(): boolean {
    const now = performance.now();
    if (now - this.#peerSeenAt < PEER_CHECK_MS) return true;
    if (this.#native.peerClosed(this.#fd)) return false;
    this.#peerSeenAt = now;
    return true;
  }

  // A record was written at the reserved place: make it visible, and wake a receiver that sleeps.
  #published(tag: Tag, length: number): Promise<void> {
    const lane = this.#lane as Lane;
    lane.publish(tag, length);
    lane.unlockProducer();
    // The message is delivered once published: a receiver that read it and closed before the wake
    // frame was written makes that write fail (EPIPE, thrown or later), which is not this send's failure.
    if (lane.wakeNeeded()) {
      try {
        return this.#frame(Tag.wake, NOTHING).catch(() => undefined);
      } catch {
        return done;
      }
    }
    return done;
  }

  /**
   * Write one frame with `fds` passed along (SCM_RIGHTS, by the socket: the lane cannot carry
   * them). Takes the fds (closed once sent). The kernel attaches them to the frame's first bytes.
   */
  writeWithFds(tag: Tag, payload: Uint8Array, fds: number[]): Promise<void> {
    if (this.#held !== null) return this.#behind(() => this.writeWithFds(tag, payload, fds));
    this.#leaveLane();
    const frame = Buffer.allocUnsafe(HEADER_SIZE + payload.length);
    try {
      writeHeader(frame, 0, tag, payload.length, this.#maxFrame);
    } catch (error) {
      this.#closeAll(fds);
      throw error;
    }
    frame.set(payload, HEADER_SIZE);
    if (this.#pending === 0) {
      const sent = this.#sendFds(frame, fds);
      if (sent !== null) return sent;
    }
    // The socket is busy or full: later frames wait until this one is written.
    const held = this.#drained().then(() => this.#sendFdsWhenRoom(frame, fds));
    this.#held = held;
    const release = () => {
      if (this.#held === held) this.#held = null;
    };
    held.then(release, release);
    return held;
  }

  // sendmsg with the fds: the frame written (the rest, if only part was, queued: the fds went with
  // the first bytes), or null when the kernel had no room at all (nothing sent).
  #sendFds(frame: Buffer, fds: number[]): Promise<void> | null {
    let written: number;
    try {
      written = this.#native.sendFds(this.#fd, frame, fds);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return null;
      this.#closeAll(fds);
      if (code === 'ENOTSOCK') return Promise.reject(new SerializationError('value', NOT_A_SOCKET, { cause: error }));
      return Promise.reject(code === 'EPIPE' || code === 'ECONNRESET' ? brokenPipe(error) : (error as Error));
    }
    this.#closeAll(fds);
    if (written === frame.length) return done;
    return this.#queue([frame.subarray(written)]);
  }

  // Try again until the kernel takes the frame (the socket has no writability watch here: the
  // other end is not reading, so a short timer is as good).
  async #sendFdsWhenRoom(frame: Buffer, fds: number[]): Promise<void> {
    for (;;) {
      const sent = this.#sendFds(frame, fds);
      if (sent !== null) return sent;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  #behind(write: () => Promise<void>): Promise<void> {
    const after = (this.#held as Promise<void>).then(write, write);
    return after;
  }

  #drained(): Promise<void> {
    if (this.#pending === 0) return done;
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #closeAll(fds: number[]): void {
    for (const fd of fds) {
      try {
        this.#native.close(fd);
      } catch {
        // already closed
      }
    }
  }

  /** Run `fn` once everything queued is written (at once when nothing is); for close(). */
  afterDrain(fn: () => void): void {
    const held = this.#held;
    if (held !== null) {
      const then = () => this.afterDrain(fn);
      held.then(then, then);
    } else if (this.#pending === 0) fn();
    else this.#closeWhenDrained = fn;
  }

  /** Release the socket (its dup of the fd); queued frames that were not written are dropped. */
  close(): void {
    this.#socket?.destroy();
    this.#socket = null;
  }

  /** In a forked child: the queue is the parent's to write; drop this copy of it. */
  forgetAfterFork(): void {
    const socket = this.#socket;
    this.#socket = null;
    this.#pending = 0;
    this.#closeWhenDrained = null;
    if (socket !== null && !socket.destroyed) {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
    }
  }

  // One frame by write(2) (native: no exception when the kernel has no room); bytes written.
  #writeNow(frame: Buffer): number {
    return this.#tryWrite(() => Math.max(0, this.#native.tryWrite(this.#fd, frame, 0, frame.length)));
  }

  // write(2) without blocking; EAGAIN means nothing was written. Broken pipe: a typed error.
  #tryWrite(write: () => number): number {
    try {
      return write();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return 0;
      if (code === 'EPIPE' || code === 'ECONNRESET') throw brokenPipe(error);
      throw error;
    }
  }

  #queue(chunks: Buffer[]): Promise<void> {
    const socket = this.#ensureSocket();
    this.#pending++;
    if (this.#pending === 1) socket.ref();
    return new Promise<void>((resolve, reject) => {
      const last = chunks.length - 1;
      chunks.forEach((chunk, index) => {
        if (index < last) socket.write(chunk);
        else
          socket.write(chunk, (error) => {
            if (--this.#pending === 0) {
              this.#socket?.unref();
              const then = this.#closeWhenDrained;
              this.#closeWhenDrained = null;
              then?.();
              for (const waiter of this.#drainWaiters.splice(0)) waiter();
            }
            if (error === null || error === undefined) resolve();
            else reject(isBrokenPipe(error) ? brokenPipe(error) : error);
          });
      });
    });
  }

  #ensureSocket(): Socket {
    if (this.#socket !== null && !this.#socket.destroyed) return this.#socket;
    const socket = new Socket({ fd: this.#native.dup(this.#fd), readable: false, writable: true });
    socket.on('error', () => undefined); // each write's callback gets its error
    this.#socket = socket;
    return socket;
  }
}

function isBrokenPipe(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EPIPE' || code === 'ECONNRESET' || code === 'ERR_STREAM_DESTROYED';
}
