// A Connection's incoming messages as one stream over its two carriers (lane.ts): the lane's
// records while its mode word says "lane", the socket's frames after a MARK record, the lane again
// after a laneReturn frame; wake frames (which only wake a sleeping reader) are dropped wherever
// they are read. Without a lane, the socket's frames alone.
import { isMessageKind, unknownKind } from '../wire/lane-layout.ts';
import type { NativeBinding } from '../native/binding.ts';
import { isControlTag, type Tag } from '../wire/protocol.ts';
import { endOfFile, MessageTooLongError } from './errors.ts';
import type { LaneHandOff } from './lane-hand-off.ts';
import { SocketFrames, type FrameSink } from './socket-frames.ts';
import type { WaiterQueue } from './waiters.ts';

/** What a FrameSource needs of its reader. */
export interface SourceHost {
  /** The reader ended (EOF or a corrupt stream): nothing more is read. */
  failed(): boolean;
  /** A message for the first receive. */
  deliver(payload: Buffer, owned: boolean, tag: Tag): void;
  /** The stream ended: corrupt, or at its end (`eof`). End the reader with `error`. */
  fail(error: Error, eof?: boolean): void;
}

/** The stream of one reader (see the top). */
export class FrameSource implements FrameSink {
  /** The socket's frames (fd `fd`, frames up to `maxFrame`; `exclusive`: see socket-frames.ts). */
  readonly frames: SocketFrames;
  readonly #frames: SocketFrames;
  readonly #fd: number;
  readonly #native: NativeBinding;
  readonly #lane: LaneHandOff | null;
  readonly #waiters: WaiterQueue;
  readonly #host: SourceHost;

  constructor(
    fd: number,
    native: NativeBinding,
    maxFrame: number,
    exclusive: boolean,
    lane: LaneHandOff | null,
    waiters: WaiterQueue,
    host: SourceHost,
  ) {
    this.frames = this.#frames = new SocketFrames(fd, native, maxFrame, exclusive, this);
    this.#fd = fd;
    this.#native = native;
    this.#lane = lane;
    this.#waiters = waiters;
    this.#host = host;
  }

  /** A whole socket frame came (FrameSink). */
  deliver(payload: Buffer, owned: boolean, tag: Tag): void {
    this.#host.deliver(payload, owned, tag);
  }

  /** read(2) said end of file (FrameSink): records sent before the end come first (the end stays in the kernel). */
  atEnd(): void {
    if (this.laneReady()) this.#frames.drained = true;
    else this.#host.fail(endOfFile(this.#frames.midFrame), true);
  }

  /** A receive would find a frame without reading: read ahead, in the lane, or stashed there. */
  frameReady(): boolean {
    return this.#frames.frameBuffered() || this.laneReady() || this.#stashReady();
  }

  /** The lane has records to take now (the reader is on the lane). */
  laneReady(): boolean {
    return this.#lane !== null && this.#lane.ready();
  }

  /** Whether a receive would not wait for the OS: a frame is read ahead, or data (or EOF) is there now. */
  readyNow(): boolean {
    const frames = this.#frames;
    if (this.#host.failed() || this.laneReady() || this.#lane?.stashed === true) return true;
    if (this.#lane === null || frames.length >= 0) return frames.frameBuffered() || this.#native.pollReadable([this.#fd], 0).length > 0;
    // With a lane, what was read ahead or the socket may hold only wake-ups: drop them first.
    if (!frames.headerBuffered() && this.#native.pollReadable([this.#fd], 0).length === 0) return false;
    this.skipControl();
    return this.somethingThere();
  }

  /** After skipControl: whether a receive would find something (or fail) without waiting. */
  somethingThere(): boolean {
    return this.#host.failed() || this.#frames.buffered > 0 || this.#frames.length >= 0 || this.laneReady() || this.#lane?.stashed === true;
  }

  /** One step towards the next frame; true when one was delivered, or a control frame or a MARK was taken. */
  step(): boolean {
    const lane = this.#lane;
    const frames = this.#frames;
    if (lane !== null) {
      const kind = lane.next();
      if (kind >= 0) return this.#fromLane(lane, kind);
      if (this.#stashReady()) {
        const { tag, length } = lane.takeStash();
        frames.setFrame(tag, length);
      }
    }
    if (frames.length < 0) {
      if (lane?.stashed === true) return false; // its MARK is not taken yet: the lane comes first
      if (!frames.haveHeader()) return false;
      const { tag, length } = frames.takeHeader();
      if (isControlTag(tag)) {
        lane?.control(tag);
        return true;
      }
      this.#header(tag, length, true);
      // Read on the lane: the MARK of this frame is there, behind the records sent before it.
      if (this.laneReady()) return true;
    }
    if (!this.#withinLimit()) return false;
    return frames.takePayload(this.#waiters.firstFrame());
  }

  /** Read and drop the control frames at the head of the socket (wake-ups, returns to the lane). */
  skipControl(): void {
    const frames = this.#frames;
    frames.drained = false;
    try {
      while (!this.#host.failed() && frames.length < 0 && this.#lane?.stashed !== true) {
        if (!frames.haveHeader()) return;
        const isControl = frames.nextIsControl();
        if (!isControl && frames.exclusive) return; // read ahead: it stays in this process's buffer
        const { tag, length } = frames.takeHeader();
        if (!isControl) return this.#header(tag, length, false);
        this.#lane?.control(tag);
        // The lane's records come first: no read(2) for what may follow (it waits in the kernel).
        if (this.laneReady()) return;
      }
    } catch (error) {
      this.#host.fail(error as Error);
    }
  }

  // Deliver the lane's next record (`kind`) to the first receive (a longer one than a
  // recvBytes(maxLength) takes fails that receive and stays).
  #fromLane(lane: LaneHandOff, kind: number): boolean {
    const waiter = this.#waiters.firstFrame();
    if (waiter === undefined) return false;
    if (!isMessageKind(kind)) throw unknownKind(kind);
    if (waiter.maxLength !== undefined && lane.recordLength > waiter.maxLength) {
      this.#waiters.remove(waiter, { ok: false, error: new MessageTooLongError(lane.recordLength, waiter.maxLength) });
      return true;
    }
    this.#host.deliver(lane.record(), false, kind as Tag);
    lane.advance();
    return true;
  }

  // A stashed socket header is next (the records before its MARK were taken).
  #stashReady(): boolean {
    return this.#frames.length < 0 && this.#lane !== null && this.#lane.stashed && !this.#lane.ready();
  }

  // A socket frame's header was read here: go on with it now, or (an end other processes may
  // read, which must not keep it) stash it in the lane while the records before it come first.
  #header(tag: Tag, length: number, now: boolean): void {
    if (this.#lane?.keepHeader(tag, length, now, this.#frames.exclusive) !== true) this.#frames.setFrame(tag, length);
  }

  // recvBytes(maxLength) with a longer frame waiting: that receive fails, the frame stays for the next.
  #withinLimit(): boolean {
    for (;;) {
      const first = this.#waiters.firstFrame();
      if (first === undefined) return false;
      if (first.maxLength === undefined || this.#frames.length <= first.maxLength) return true;
      this.#waiters.remove(first, { ok: false, error: new MessageTooLongError(this.#frames.length, first.maxLength) });
    }
  }
}
