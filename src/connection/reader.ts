// The receiving half of a Connection. Readiness comes from a uv_poll on Node's loop (native
// watchReadable): level-triggered, so it is open only while someone waits (recv, poll) and
// closed as soon as it fires with no one waiting; ref'd only while someone waits, so an idle
// connection never keeps a process alive.
//
// Two ways of reading. While this process is known to be the only reader of the fd (a Pipe()
// end never sent to a child), it reads ahead: one read(2) takes whatever is there, possibly
// several frames. Once the end is shared (sent to a child, received from a parent, or copied into
// a forked child), it reads exactly one frame at a time (header, then that many bytes), never
// more, as Python's Connection does: processes may then take turns on one end (under a lock)
// without one of them holding another's message in a private buffer.
//
// A receive that awaits a reply (this end sent since its last receive) and would wait first
// keeps reading for up to SPIN_MICROS, when this connection's replies came that fast of late (a
// moving average of their waits) and this process may run beside its peer (more than one CPU):
// a peer that answers within microseconds is then met without the sleep and wake-up of the event
// loop (tens of µs on these VMs), as glibc's adaptive mutexes spin before they sleep. One long
// wait turns spinning off until replies are fast again, so a connection whose replies take long
// spends no CPU on it. Pool connections never spin (neverSpin): a Pool's parent serves many
// workers from one loop, and its workers share the CPUs with it.
//
// A Pipe's ends also have a lane (lane.ts): a ring in shared memory that carries small messages
// beside the socket. While the lane's mode word says "lane", records are taken from it first;
// a MARK record sends the reader to the socket, a laneReturn frame brings it back, and wake
// frames (which only wake a sleeping reader) are dropped wherever they are read. A receive that
// would wait spins on the ring rather than on read(2). While receives or polls wait on the
// socket, this process counts itself among the lane's sleepers, so that a sender wakes it.
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ProcessStateError } from '../errors.ts';
import type { FdWatcher, NativeBinding } from '../native/binding.ts';
import { decodeJson, decodeObject, FrameError, HEADER_SIZE, isControlTag, parseHeader, Tag } from '../wire/protocol.ts';
import { endOfFile, MessageTooLongError } from './errors.ts';
import { decodeHandles, dropHandles } from './handles.ts';
import { MARK, type Lane } from './lane.ts';
import { WaiterQueue, type Outcome, type Waiter, type ReadWaitOptions as WaitOptions } from './waiters.ts';

const READ_AHEAD = 64 * 1024;
/** How long a receive that would wait may keep reading before it sleeps (µs). */
const SPIN_MICROS = 50;
/**
 * A longer wait counts as this long in the moving average (µs): one pause of the peer (a GC, a
 * preemption) does not stop spinning by itself; replies that keep coming late do (six of them).
 */
const LONG_WAIT_MICROS = 2 * SPIN_MICROS;
let parallel: boolean | undefined; // more than one CPU for this process (spinning can pay)

// Connections with a receive in progress: reachable until it ends, whoever holds their Promise
// (an unreachable, idle Connection is closed by the registry's finalizer).
const busy = new Set<object>();

/**
 * How often readers asleep on a lane look at it anyway (ms): a safety net, not the wake-up path.
 * A wake frame is taken by whichever process reads it; when processes share one end without
 * taking turns (one polls while another receives), the one that needed it may sleep on with a
 * message in the ring. It finds it at the next look. (A producer that died between claiming the
 * wake-up and writing it would leave the same.)
 */
const LANE_SWEEP_MS = 50;
const asleep = new Set<FrameReader>();
let sweeper: ReturnType<typeof setInterval> | null = null;

function sleepOnLane(reader: FrameReader, sleeping: boolean): void {
  if (sleeping) {
    asleep.add(reader);
    sweeper ??= setInterval(() => {
      for (const one of asleep) one.lookAtLane();
    }, LANE_SWEEP_MS).unref();
  } else {
    asleep.delete(reader);
    if (asleep.size === 0 && sweeper !== null) {
      clearInterval(sweeper);
      sweeper = null;
    }
  }
}

export class FrameReader {
  readonly #owner: WeakRef<object>;
  readonly #fd: number;
  readonly #native: NativeBinding;
  readonly #maxFrame: number;
  readonly #lane: Lane | null;
  #sleeping = false; // counted among the lane's sleepers (see #settle)
  readonly #waiters = new WaiterQueue(
    () => this.#idle(),
    (waiter) => this.#givingUp(waiter),
  );
  #watcher: FdWatcher | null = null;
  #exclusive: boolean;
  #buf: Buffer = Buffer.allocUnsafe(HEADER_SIZE);
  #start = 0;
  #end = 0;
  #tag: Tag = Tag.object;
  #length = -1; // payload length of the frame being read; -1 until its header is in
  #body: Buffer | null = null; // a frame larger than the buffered bytes, read straight into place
  #bodyFill = 0;
  #bodyInto: Waiter | null = null; // the recvBytesInto whose buffer #body is
  #drained = false; // a read of this wake-up came back short: the kernel has nothing more now
  #failure: Error | null = null; // EOF or a corrupt stream: every later read gets it
  #mayspin = true; // false: never spin (neverSpin)
  #replyDue = false; // this end sent since its last receive: a receive now awaits a reply
  #replyWait = 0; // moving average of how long replies were waited for (µs)
  #waitSince = -1; // performance.now() when the receive awaiting a reply began to wait
  #spinFor = 0; // µs the next read(2) may spin: set for the first read of a receive that would wait
  readonly #onReadable = () => this.#readable();
  readonly #takeFds = () => this.#native.takeFds(this.#fd); // the fds that came with a handles frame (handles.ts)

  constructor(owner: object, fd: number, native: NativeBinding, maxFrame: number, exclusive: boolean, lane: Lane | null = null) {
    this.#owner = new WeakRef(owner);
    this.#fd = fd;
    this.#native = native;
    this.#maxFrame = maxFrame;
    this.#lane = lane;
    this.#exclusive = exclusive;
    if (exclusive) this.#buf = Buffer.allocUnsafe(READ_AHEAD);
  }

  /** This end just sent: the next receive awaits a reply (it may spin, see the top). */
  noteSent(): void {
    this.#replyDue = true;
  }

  /** Never spin on this connection (see the top). */
  neverSpin(): void {
    this.#mayspin = false;
  }

  /** From now on, read exactly one frame at a time (the end is shared with another process). */
  markShared(): void {
    this.#exclusive = false;
  }

  /**
   * The next frame: as a value, as bytes, or copied into `into` (recvBytesInto; resolves with its
   * length). A payload over `maxLength` fails that read only.
   */
  read(want: 'object' | 'bytes' | 'into', maxLength: number | undefined, options: WaitOptions, onTimeout: () => Outcome, into: Buffer | null = null): Promise<unknown> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    if (options.signal?.aborted === true) return Promise.reject(options.signal.reason as Error);
    const promise = this.#enqueue(want, maxLength, options, onTimeout, into);
    if (this.#frameBuffered() || this.#laneReady() || this.#stashReady()) this.#pump(false); // no need to wait for the OS
    else if (this.#waiters.size === 1) this.#spinOrSleep();
    this.#settle();
    return promise;
  }

  /** Take what the lane holds now, for the receives and polls waiting (see #settle and LANE_SWEEP_MS). */
  lookAtLane(): void {
    if (!this.#laneReady()) return;
    this.#waiters.resolvePolls();
    this.#pump(false);
  }

  /** Whether a receive would not wait for the OS: a frame is read ahead, or data (or EOF) is there now. */
  readyNow(): boolean {
    if (this.#failure !== null || this.#laneReady() || this.#lane?.stashed === true) return true;
    if (this.#lane === null || this.#length >= 0) return this.#frameBuffered() || this.#native.pollReadable([this.#fd], 0).length > 0;
    // With a lane, what was read ahead or the socket may hold only wake-ups: drop them first.
    if (this.#end - this.#start < HEADER_SIZE && this.#native.pollReadable([this.#fd], 0).length === 0) return false;
    this.#skipControl();
    return this.#somethingThere();
  }

  /** Resolves true when data (or EOF) arrives, false after `timeoutMs` (0: at once). */
  whenReady(options: WaitOptions): Promise<unknown> {
    if (this.readyNow()) return Promise.resolve(true);
    if (options.timeoutMs === 0) return Promise.resolve(false);
    if (options.signal?.aborted === true) return Promise.reject(options.signal.reason as Error);
    const promise = this.#enqueue('poll', undefined, options, () => ({ ok: true, value: false }));
    this.#settle();
    return promise;
  }

  /** Fail every waiter with `error` and stop; later reads fail with it too (at EOF, polls say ready). */
  close(error: Error, eof = false): void {
    if (this.#failure === null) this.#native.dropFds(this.#fd); // fds of frames no one will receive
    this.#failure ??= error;
    this.#stopWatching();
    this.#waiters.failAll(error, eof ? { ok: true, value: true } : { ok: false, error });
  }

  /** Its Connection was collected without close() (nothing waits): let go of the fd before it is closed. */
  release(): void {
    this.#stopWatching();
  }

  /**
   * In a forked child: the parent's waiters and read-ahead are the parent's (they never settle or
   * get delivered here). A frame the parent was in the middle of cannot be read here at all.
   */
  forgetAfterFork(): void {
    this.#waiters.forget();
    this.#stopWatching();
    this.#sleeping = false; // the parent's count, not this process's
    sleepOnLane(this, false);
    this.#waitSince = -1;
    this.#exclusive = false;
    if (this.#length >= 0 || this.#body !== null || (this.#end > this.#start && !this.#wholeFramesBuffered())) {
      this.#failure ??= new ProcessStateError('This connection was in the middle of a message in the parent when this process was forked from it: it cannot be read here.');
    }
    this.#start = this.#end = 0;
  }

  #enqueue(want: 'object' | 'bytes' | 'into' | 'poll', maxLength: number | undefined, options: WaitOptions, onTimeout: () => Outcome, into: Buffer | null = null): Promise<unknown> {
    const promise = this.#waiters.add(want, maxLength, options, onTimeout, into);
    if (this.#waiters.size === 1) {
      const owner = this.#owner.deref();
      if (owner !== undefined) busy.add(owner);
    }
    if (this.#watcher === null) this.#watcher = this.#native.watchReadable(this.#fd, this.#onReadable);
    else this.#watcher.ref();
    return promise;
  }

  // The only receive would wait: if it awaits a reply, time the wait (see #learn), and spin for
  // the frame first when that pays (see the top).
  #spinOrSleep(): void {
    if (!this.#replyDue || !this.#mayspin) return;
    this.#waitSince = performance.now();
    if (this.#replyWait < SPIN_MICROS && (parallel ??= availableParallelism() > 1)) {
      if (this.#lane !== null && !this.#lane.consumerOnSocket) {
        if (spinOn(this.#lane)) this.#pump(false);
        return;
      }
      this.#spinFor = SPIN_MICROS;
      this.#pump(true);
      this.#spinFor = 0;
    }
  }

  // The lane has records to take now (the reader is on the lane).
  #laneReady(): boolean {
    return this.#lane !== null && !this.#lane.consumerOnSocket && this.#lane.hasRecords();
  }

  // A stashed socket header is next (the records before its MARK were taken).
  #stashReady(): boolean {
    return this.#length < 0 && this.#lane !== null && this.#lane.stashed && !this.#laneReady();
  }

  // A socket frame's header was read here: go on with it now, or (an end other processes may
  // read, which must not keep it) stash it in the lane while the records before it come first.
  #header(tag: Tag, length: number, now: boolean): void {
    if (this.#lane !== null && !this.#exclusive && (!now || this.#laneReady())) this.#lane.stash(tag, length);
    else {
      this.#tag = tag;
      this.#length = length;
    }
  }

  // While receives or polls wait on the socket, count this process among the lane's sleepers (a
  // sender then writes a wake frame), and look at the ring once more after counting: a record
  // published before the count was seen is taken now (see lane.ts).
  #settle(): void {
    const lane = this.#lane;
    if (lane === null) return;
    const waiting = this.#waiters.size > 0 && this.#failure === null;
    if (waiting === this.#sleeping) return;
    this.#sleeping = waiting;
    sleepOnLane(this, waiting);
    if (!waiting) {
      lane.awake();
      return;
    }
    lane.sleep();
    this.lookAtLane();
  }

  // The timed wait ended (a frame came, or the receive gave up): into the moving average (1/8).
  #learn(): void {
    if (this.#waitSince < 0) return;
    const waited = Math.min((performance.now() - this.#waitSince) * 1000, LONG_WAIT_MICROS);
    this.#replyWait += (waited - this.#replyWait) / 8;
    this.#waitSince = -1;
  }

  #idle(): void {
    this.#settle();
    this.#learn();
    this.#watcher?.unref();
    const owner = this.#owner.deref();
    if (owner !== undefined) busy.delete(owner);
  }

  #stopWatching(): void {
    this.#watcher?.close();
    this.#watcher = null;
  }

  #readable(): void {
    if (this.#waiters.size === 0) {
      // Nobody waits here (the watcher was left on, unref'd): leave the fd to whoever reads it next.
      this.#stopWatching();
      return;
    }
    let ready = true;
    if (this.#lane !== null) {
      this.#skipControl(); // a wake-up alone is nothing to receive
      ready = this.#somethingThere();
    }
    if (ready) this.#waiters.resolvePolls();
    if (this.#waiters.frames === 0) {
      // Data with no one waiting to receive it: leave it in the kernel (a level-triggered poll would spin).
      if (ready || this.#waiters.size === 0) this.#stopWatching();
      this.#settle();
      return;
    }
    this.#pump(true);
  }

  // After #skipControl: whether a receive would find something (or fail) without waiting.
  #somethingThere(): boolean {
    return this.#failure !== null || this.#end > this.#start || this.#length >= 0 || this.#laneReady() || this.#lane?.stashed === true;
  }

  // Read and drop the control frames at the head of the socket (wake-ups, returns to the lane).
  #skipControl(): void {
    this.#drained = false;
    try {
      while (this.#failure === null && this.#length < 0 && this.#lane?.stashed !== true) {
        if (this.#end - this.#start < HEADER_SIZE && !this.#fill()) return;
        if (this.#end - this.#start < HEADER_SIZE) return;
        const isControl = isControlTag(this.#buf[this.#start + 4] as number);
        if (!isControl && this.#exclusive) return; // read ahead: it stays in this process's buffer
        const { tag, length } = parseHeader(this.#buf, this.#maxFrame, this.#start);
        this.#start += HEADER_SIZE;
        if (!isControl) return this.#header(tag, length, false);
        this.#control(tag);
      }
    } catch (error) {
      this.close(error as Error);
    }
  }

  // A control frame was read: a wake-up (the next may be sent), or the return to the lane.
  #control(tag: Tag): void {
    if (this.#lane === null) return;
    if (tag === Tag.wake) this.#lane.wakeTaken();
    else this.#lane.consumerOnSocket = false;
  }

  // Deliver frames while receives wait: from the read-ahead, and from the fd when `mayRead`, which
  // is read until a read comes back short (the level-triggered watcher calls again when more comes).
  #pump(mayRead: boolean): void {
    this.#drained = !mayRead;
    try {
      while (this.#waiters.frames > 0 && this.#failure === null && this.#nextFrame()) {
        // delivered one
      }
    } catch (error) {
      this.close(error as Error); // a corrupt stream: nothing after it can be trusted
    }
    this.#settle();
  }

  // One step towards the next frame; true when one was delivered.
  #nextFrame(): boolean {
    const lane = this.#lane;
    if (lane !== null && !lane.consumerOnSocket) {
      const kind = lane.peek();
      if (kind === MARK) {
        lane.advance();
        lane.consumerOnSocket = true;
        return true;
      }
      if (kind >= 0) return this.#fromLane(lane, kind);
    }
    if (this.#stashReady()) {
      const { tag, length } = (lane as Lane).takeStash();
      this.#tag = tag as Tag;
      this.#length = length;
    }
    if (this.#length < 0) {
      if (lane?.stashed === true) return false; // its MARK is not taken yet: the lane comes first
      if (this.#end - this.#start < HEADER_SIZE && !this.#fill()) return false;
      if (this.#end - this.#start < HEADER_SIZE) return false;
      const { tag, length } = parseHeader(this.#buf, this.#maxFrame, this.#start);
      this.#start += HEADER_SIZE;
      if (isControlTag(tag)) {
        this.#control(tag);
        return true;
      }
      this.#header(tag, length, true);
      // Read on the lane: the MARK of this frame is there, behind the records sent before it.
      if (this.#laneReady()) return true;
    }
    if (!this.#withinLimit()) return false;
    const length = this.#length;
    if (this.#body === null) {
      const buffered = this.#end - this.#start;
      if (buffered >= length) {
        const payload = this.#buf.subarray(this.#start, this.#start + length);
        this.#start += length;
        this.#length = -1;
        this.#deliver(payload, false, this.#tag);
        return true;
      }
      // Not all here: read the rest straight into place (the recvBytesInto buffer, or the frame's own).
      const first = this.#waiters.firstFrame();
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
    this.#length = -1;
    this.#deliver(payload, true, this.#tag);
    return true;
  }

  // Deliver the lane's next record (`kind`) to the first receive (a longer one than a
  // recvBytes(maxLength) takes fails that receive and stays).
  #fromLane(lane: Lane, kind: number): boolean {
    const waiter = this.#waiters.firstFrame();
    if (waiter === undefined) return false;
    if (kind !== Tag.object && kind !== Tag.bytes && kind !== Tag.json && kind !== Tag.handles) throw new FrameError(`A Pipe's shared-memory lane holds a record of unknown kind ${kind}: the connection is closed.`);
    if (waiter.maxLength !== undefined && lane.length > waiter.maxLength) {
      this.#waiters.remove(waiter, { ok: false, error: new MessageTooLongError(lane.length, waiter.maxLength) });
      return true;
    }
    this.#deliver(lane.bytes.subarray(lane.at, lane.at + lane.length), false, kind);
    lane.advance();
    return true;
  }

  // A recvBytesInto gives up while its buffer holds part of a frame: the frame takes its own buffer.
  #givingUp(waiter: Waiter): void {
    if (waiter !== this.#bodyInto || this.#body === null) return;
    const own = Buffer.allocUnsafe(this.#body.length);
    this.#body.copy(own, 0, 0, this.#bodyFill);
    this.#body = own;
    this.#bodyInto = null;
  }

  // Get bytes for a header (fewer than HEADER_SIZE are buffered): read ahead when exclusive,
  // exactly the missing header bytes when shared.
  #fill(): boolean {
    if (this.#start > 0) {
      this.#buf.copy(this.#buf, 0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    if (this.#exclusive && this.#buf.length < READ_AHEAD) {
      const grown = Buffer.allocUnsafe(READ_AHEAD);
      this.#buf.copy(grown, 0, 0, this.#end);
      this.#buf = grown;
    }
    const room = this.#exclusive ? this.#buf.length - this.#end : HEADER_SIZE - this.#end;
    const n = this.#read(this.#buf, this.#end, room);
    if (n > 0) this.#end += n;
    return n > 0;
  }

  // recvBytes(maxLength) with a longer frame waiting: that receive fails, the frame stays for the next.
  #withinLimit(): boolean {
    for (;;) {
      const first = this.#waiters.firstFrame();
      if (first === undefined) return false;
      if (first.maxLength === undefined || this.#length <= first.maxLength) return true;
      this.#waiters.remove(first, { ok: false, error: new MessageTooLongError(this.#length, first.maxLength) });
    }
  }

  #deliver(payload: Buffer, owned: boolean, tag: Tag): void {
    const waiter = this.#waiters.firstFrame();
    if (waiter === undefined) return;
    this.#learn();
    this.#replyDue = false;
    let outcome: Outcome;
    try {
      if (tag === Tag.handles && waiter.want === 'object') outcome = { ok: true, value: decodeHandles(owned ? payload : Buffer.from(payload), this.#takeFds) };
      else if (tag === Tag.handles && waiter.want === 'bytes') {
        dropHandles(payload, this.#takeFds); // as bytes, its shareables are not rebuilt: their fds are closed
        outcome = { ok: true, value: owned ? payload : Buffer.from(payload) };
      } else if (waiter.want === 'into') {
        if (tag === Tag.handles) dropHandles(payload, this.#takeFds);
        const into = waiter.into as Buffer;
        if (payload.buffer !== into.buffer || payload.byteOffset !== into.byteOffset) payload.copy(into, 0);
        outcome = { ok: true, value: payload.length };
      } else if (waiter.want === 'bytes' || tag === Tag.bytes) outcome = { ok: true, value: owned ? payload : Buffer.from(payload) };
      else if (tag === Tag.json) outcome = { ok: true, value: decodeJson(payload) };
      // v8.deserialize returns typed arrays that are views of its input: give it its own copy.
      else outcome = { ok: true, value: decodeObject(owned ? payload : Buffer.from(payload)) };
    } catch (error) {
      outcome = { ok: false, error }; // the framing is intact: only this message is lost
    }
    this.#waiters.remove(waiter, outcome);
  }

  // read(2) unless this wake-up already drained the kernel (the first read of a receive that
  // would wait may spin: #spinFor); 0 is EOF (handled here), -1 nothing now (another process
  // took it, or a spurious wake-up).
  #read(target: Buffer, offset: number, length: number): number {
    if (this.#drained) return -1;
    const n = this.#native.tryReadKeepingFds(this.#fd, target, offset, length, this.#spinFor);
    this.#spinFor = 0;
    if (n === 0 && this.#laneReady()) {
      this.#drained = true; // records sent before the end come first (the end stays in the kernel)
      return -1;
    }
    if (n === 0) this.close(endOfFile(this.#length >= 0 || this.#end > this.#start), true);
    else if (n < length) this.#drained = true;
    return n;
  }

  // True if a whole frame is buffered (its header may have been parsed already).
  #frameBuffered(): boolean {
    const buffered = this.#end - this.#start;
    if (this.#length >= 0) return this.#body === null && buffered >= this.#length;
    return buffered >= HEADER_SIZE && buffered >= HEADER_SIZE + this.#buf.readUInt32BE(this.#start);
  }

  // True if the read-ahead holds only whole frames (a forked child may drop them and read on).
  #wholeFramesBuffered(): boolean {
    let at = this.#start;
    while (this.#end - at >= HEADER_SIZE) at += HEADER_SIZE + this.#buf.readUInt32BE(at);
    return at === this.#end;
  }
}

// Spin on the lane for up to SPIN_MICROS; true when a record came.
function spinOn(lane: Lane): boolean {
  const deadline = performance.now() + SPIN_MICROS / 1000;
  do {
    for (let i = 0; i < 64; i++) if (lane.hasRecords()) return true;
  } while (performance.now() < deadline);
  return false;
}
