// The socket side of a Connection's reader: frames out of the fd, as bytes (headers are written,
// peeked at and checked by src/wire/protocol.ts only).
//
// Two ways of reading. While this process is known to be the only reader of the fd (a Pipe()
// end never sent to a child), it reads ahead: one read(2) takes whatever is there, possibly
// several frames. Once the end is shared (sent to a child, received from a parent, or copied into
// a forked child), it reads exactly one frame at a time (header, then that many bytes), never
// more, as Python's Connection does: processes may then take turns on one end (under a lock)
// without one of them holding another's message in a private buffer.
import type { NativeBinding } from '../native/binding.ts';
import { announcedLength, HEADER_SIZE, headerTag, isControlTag, parseHeader, Tag } from '../wire/protocol.ts';
import type { Waiter } from './waiters.ts';

/** The read-ahead buffer starts this large and doubles, up to READ_AHEAD, while reads fill it. */
const FIRST_READ_AHEAD = 4 * 1024;
const READ_AHEAD = 64 * 1024;

/** What SocketFrames hands back to its reader. */
export interface FrameSink {
  /** A whole frame: `owned` when `payload` is its own buffer (else a view of the read-ahead, valid until the next read). */
  deliver(payload: Buffer, owned: boolean, tag: Tag): void;
  /** read(2) said end of file. */
  atEnd(): void;
}

/** Frames read from one fd (see the top). */
export class SocketFrames {
  readonly #fd: number;
  readonly #native: NativeBinding;
  readonly #maxFrame: number;
  readonly #sink: FrameSink;
  #exclusive: boolean;
  #buf: Buffer = Buffer.allocUnsafe(HEADER_SIZE);
  #start = 0;
  #end = 0;
  /** The tag of the frame being read. */
  tag: Tag = Tag.object;
  /** The payload length of the frame being read; -1 until its header is in. */
  length = -1;
  #body: Buffer | null = null; // a frame larger than the buffered bytes, read straight into place
  #bodyFill = 0;
  #bodyInto: Waiter | null = null; // the recvBytesInto whose buffer #body is
  #filled = false; // the last read ahead filled the buffer: the next one gets a larger one
  /** A read of this wake-up came back short: the kernel has nothing more now (no read until reset). */
  drained = false;

  constructor(fd: number, native: NativeBinding, maxFrame: number, exclusive: boolean, sink: FrameSink) {
    this.#fd = fd;
    this.#native = native;
    this.#maxFrame = maxFrame;
    this.#sink = sink;
    this.#exclusive = exclusive;
  }

  /** This process is the only reader of the fd (it reads ahead). */
  get exclusive(): boolean {
    return this.#exclusive;
  }

  /** From now on, read exactly one frame at a time. */
  markShared(): void {
    this.#exclusive = false;
  }

  /** This process is the only reader of the fd again (the others closed their copies): read ahead from the next read on. */
  markExclusive(): void {
    this.#exclusive = true;
  }

  /** Bytes read ahead and not yet taken. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** A frame was begun: its header is taken, or bytes of the next one are read ahead. */
  get midFrame(): boolean {
    return this.length >= 0 || this.#end > this.#start;
  }

  /** Whether a whole header is buffered (no read). */
  headerBuffered(): boolean {
    return this.#end - this.#start >= HEADER_SIZE;
  }

  /** Whether a whole header is buffered, reading for one if not. */
  haveHeader(): boolean {
    if (this.#end - this.#start >= HEADER_SIZE) return true;
    return this.#fill() && this.#end - this.#start >= HEADER_SIZE;
  }

  /** Whether the buffered header is a control frame's (haveHeader first). */
  nextIsControl(): boolean {
    return isControlTag(headerTag(this.#buf, this.#start));
  }

  /** Take the buffered header (haveHeader first), checked: FrameError on a corrupt stream. */
  takeHeader(): { tag: Tag; length: number } {
    const header = parseHeader(this.#buf, this.#maxFrame, this.#start);
    this.#start += HEADER_SIZE;
    return header;
  }

  /** Go on with a frame whose header was taken (here, or by another process: the lane's stash). */
  setFrame(tag: Tag, length: number): void {
    this.tag = tag;
    this.length = length;
  }

  /**
   * With the header in: deliver the frame to the sink once all of it is here (true), reading
   * the rest straight into place (`first`: the receive it goes to; a recvBytesInto's buffer).
   */
  takePayload(first: Waiter | undefined): boolean {
    const length = this.length;
    if (this.#body === null) {
      const buffered = this.#end - this.#start;
      if (buffered >= length) {
        const payload = this.#buf.subarray(this.#start, this.#start + length);
        this.#start += length;
        this.length = -1;
        this.#sink.deliver(payload, false, this.tag);
        return true;
      }
      // Not all here: read the rest straight into place (the recvBytesInto buffer, or the frame's own).
      this.#bodyInto = first?.want === 'into' ? first : null;
      this.#body = this.#bodyInto?.into?.subarray(0, length) ?? Buffer.allocUnsafe(length);
      this.#buf.copy(this.#body, 0, this.#start, this.#end);
      this.#bodyFill = buffered;
      this.#start = this.#end = 0;
    }
    while (this.#bodyFill < length) {
      const n = this.#read(this.#body, this.#bodyFill, length - this.#bodyFill);
      if (n <= 0) return false;
      this.#bodyFill += n;
    }
    const payload = this.#body;
    this.#body = null;
    this.#bodyInto = null;
    this.length = -1;
    this.#sink.deliver(payload, true, this.tag);
    return true;
  }

  /** A recvBytesInto gives up while its buffer holds part of a frame: the frame takes its own buffer. */
  givingUp(waiter: Waiter): void {
    if (waiter !== this.#bodyInto || this.#body === null) return;
    const own = Buffer.allocUnsafe(this.#body.length);
    this.#body.copy(own, 0, 0, this.#bodyFill);
    this.#body = own;
    this.#bodyInto = null;
  }

  /** True if a whole frame is buffered (its header may have been taken already). */
  frameBuffered(): boolean {
    const buffered = this.#end - this.#start;
    if (this.length >= 0) return this.#body === null && buffered >= this.length;
    return buffered >= HEADER_SIZE && buffered >= HEADER_SIZE + announcedLength(this.#buf, this.#start);
  }

  /** In a forked child: drop the read-ahead, read one frame at a time; true if the parent was mid-frame (unreadable here). */
  forgetAfterFork(): boolean {
    this.#exclusive = false;
    const broken = this.length >= 0 || this.#body !== null || (this.#end > this.#start && !this.#wholeFramesBuffered());
    this.#start = this.#end = 0;
    return broken;
  }

  // True if the read-ahead holds only whole frames (a forked child may drop them and read on).
  #wholeFramesBuffered(): boolean {
    let at = this.#start;
    while (this.#end - at >= HEADER_SIZE) at += HEADER_SIZE + announcedLength(this.#buf, at);
    return at === this.#end;
  }

  // Get bytes for a header (fewer than HEADER_SIZE are buffered): read ahead when exclusive,
  // exactly the missing header bytes when shared.
  #fill(): boolean {
    if (this.#start > 0) {
      this.#buf.copy(this.#buf, 0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    // Made on the first read (a connection that only sends never has one), grown while reads fill it.
    if (this.#exclusive && (this.#buf.length < FIRST_READ_AHEAD || (this.#filled && this.#buf.length < READ_AHEAD))) {
      const grown = Buffer.allocUnsafe(Math.min(READ_AHEAD, Math.max(FIRST_READ_AHEAD, this.#buf.length * 2)));
      this.#buf.copy(grown, 0, 0, this.#end);
      this.#buf = grown;
    }
    const room = this.#exclusive ? this.#buf.length - this.#end : HEADER_SIZE - this.#end;
    const n = this.#read(this.#buf, this.#end, room);
    if (n > 0) this.#end += n;
    this.#filled = this.#exclusive && n === room;
    return n > 0;
  }

  // read(2) unless this wake-up already drained the kernel; 0 is EOF (the sink is told), -1
  // nothing now (another process took it, or a spurious wake-up).
  #read(target: Buffer, offset: number, length: number): number {
    if (this.drained) return -1;
    const n = this.#native.tryReadKeepingFds(this.#fd, target, offset, length, 0);
    if (n === 0) this.#sink.atEnd();
    else if (n < length) this.drained = true;
    return n;
  }
}
