// The receiving half of a Connection. It decides when to read (now, after a spin, or when the
// watcher says readable) and ends the stream (EOF, a corrupt stream, close()); the rest is in
// socket-frames.ts (frames out of the fd), lane-hand-off.ts (this reader's side of a Pipe's
// lane), frame-source.ts (both carriers as one stream), spin-policy.ts (whether to spin),
// read-watch.ts (the fd watcher, liveness), waiters.ts and delivery.ts (who waits, what each gets).
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ProcessStateError } from '../errors.ts';
import type { NativeBinding } from '../native/binding.ts';
import type { Tag } from '../wire/protocol.ts';
import { outcomeFor } from './delivery.ts';
import { FrameSource } from './frame-source.ts';
import type { Lane } from './lane.ts';
import { LaneHandOff } from './lane-hand-off.ts';
import { ReadWatch } from './read-watch.ts';
import type { SocketFrames } from './socket-frames.ts';
import { SpinPolicy } from './spin-policy.ts';
import { WaiterQueue, type Outcome, type ReadWaitOptions } from './waiters.ts';

let cpus: number | undefined; // os.availableParallelism() (it follows the affinity), once per process

/** A Connection's receiving half (see the top). */
export class FrameReader {
  readonly #fd: number;
  readonly #native: NativeBinding;
  readonly #lane: LaneHandOff | null;
  readonly #frames: SocketFrames;
  readonly #source: FrameSource;
  readonly #watch: ReadWatch;
  readonly #spin = new SpinPolicy((cpus ??= availableParallelism()));
  readonly #waiters = new WaiterQueue(
    () => this.#idle(),
    (waiter) => this.#frames.givingUp(waiter),
  );
  #failure: Error | null = null; // EOF or a corrupt stream: every later read gets it
  readonly #takeFds = () => this.#native.takeFds(this.#fd); // the fds that came with a handles frame (handles.ts)

  constructor(owner: object, fd: number, native: NativeBinding, maxFrame: number, exclusive: boolean, lane: Lane | null = null) {
    this.#fd = fd;
    this.#native = native;
    this.#watch = new ReadWatch(owner, fd, native, () => this.#readable());
    this.#lane = lane === null ? null : new LaneHandOff(lane, this);
    this.#source = new FrameSource(fd, native, maxFrame, exclusive, this.#lane, this.#waiters, {
      failed: () => this.#failure !== null,
      deliver: (payload, owned, tag) => this.#deliver(payload, owned, tag),
      fail: (error, eof) => this.close(error, eof),
    });
    this.#frames = this.#source.frames;
  }

  /** This end just sent: the next receive awaits a reply (it may spin, see spin-policy.ts). */
  noteSent(): void {
    this.#spin.noteSent();
  }

  /** Never spin on this connection (see spin-policy.ts). */
  neverSpin(): void {
    this.#spin.neverSpin();
  }

  /** From now on, read exactly one frame at a time (the end is shared with another process). */
  markShared(): void {
    this.#frames.markShared();
  }

  /** This process is the only reader again: read ahead. */
  markExclusive(): void {
    this.#frames.markExclusive();
  }

  /**
   * The next frame: as a value, as bytes, or copied into `into` (recvBytesInto; resolves with its
   * length). A payload over `maxLength` fails that read only.
   */
  read(
    want: 'object' | 'bytes' | 'into',
    maxLength: number | undefined,
    options: ReadWaitOptions,
    onTimeout: () => Outcome,
    into: Buffer | null = null,
  ): Promise<unknown> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    if (options.signal?.aborted === true) return Promise.reject(options.signal.reason as Error);
    const promise = this.#enqueue(want, maxLength, options, onTimeout, into);
    if (this.#source.frameReady())
      this.#pump(false); // no need to wait for the OS
    else if (this.#waiters.size === 1) this.#spinOrSleep();
    this.#settle();
    return promise;
  }

  /** Take what the lane holds now, for the receives and polls waiting (see lane-hand-off.ts). */
  lookAtLane(): void {
    if (!this.#source.laneReady()) return;
    this.#waiters.resolvePolls();
    this.#pump(false);
  }

  /** Whether a receive would not wait for the OS: a frame is read ahead, or data (or EOF) is there now. */
  readyNow(): boolean {
    return this.#source.readyNow();
  }

  /** Resolves true when data (or EOF) arrives, false after `timeoutMs` (0: at once). */
  whenReady(options: ReadWaitOptions): Promise<unknown> {
    if (this.readyNow()) return Promise.resolve(true);
    if (options.timeoutMs === 0) return Promise.resolve(false);
    if (options.signal?.aborted === true) return Promise.reject(options.signal.reason as Error);
    const promise = this.#enqueue('poll', undefined, options, () => ({ ok: true, value: false }));
    this.#settle();
    return promise;
  }

  /** Whether a receive or poll waits. */
  get waiting(): boolean {
    return this.#waiters.size > 0;
  }

  /** Fail every waiter with `error` and stop; later reads fail with it too (at EOF, polls say ready). */
  close(error: Error, eof = false): void {
    if (this.#failure === null) this.#native.dropFds(this.#fd); // fds of frames no one will receive
    this.#failure ??= error;
    this.#watch.stop();
    this.#waiters.failAll(error, eof ? { ok: true, value: true } : { ok: false, error });
  }

  /** Its Connection was collected without close() (nothing waits): let go of the fd before it is closed. */
  release(): void {
    this.#watch.stop();
  }

  /**
   * In a forked child: the parent's waiters and read-ahead are the parent's (they never settle or
   * get delivered here). A frame the parent was in the middle of cannot be read here at all.
   */
  forgetAfterFork(): void {
    this.#waiters.forget();
    this.#watch.stop();
    this.#lane?.forgetAfterFork();
    this.#spin.forgetAfterFork();
    if (this.#frames.forgetAfterFork()) {
      this.#failure ??= new ProcessStateError(
        'This connection was in the middle of a message in the parent when this process was forked from it: it cannot be read here.',
      );
    }
  }

  #enqueue(
    want: 'object' | 'bytes' | 'into' | 'poll',
    maxLength: number | undefined,
    options: ReadWaitOptions,
    onTimeout: () => Outcome,
    into: Buffer | null = null,
  ): Promise<unknown> {
    const promise = this.#waiters.add(want, maxLength, options, onTimeout, into);
    this.#watch.waiting(this.#waiters.size === 1);
    return promise;
  }

  #idle(): void {
    this.#settle();
    if (this.#spin.timing) this.#spin.waitEnded(performance.now());
    this.#watch.idle();
  }

  #readable(): void {
    if (this.#waiters.size === 0) {
      // Nobody waits here (the watcher was left on, unref'd): leave the fd to whoever reads it next.
      this.#watch.stop();
      return;
    }
    let ready = true;
    if (this.#lane !== null) {
      this.#source.skipControl(); // a wake-up alone is nothing to receive
      ready = this.#source.somethingThere();
    }
    if (ready) this.#waiters.resolvePolls();
    if (this.#waiters.frames === 0) {
      // Data with no one waiting to receive it: leave it in the kernel (a level-triggered poll would spin).
      if (ready || this.#waiters.size === 0) this.#watch.stop();
      this.#settle();
      return;
    }
    this.#pump(true);
  }

  // The only receive would wait: the policy may have it spin for the frame first (and times the
  // wait): on the lane's ring, or polling the fd, a spin that ends as soon as another connection
  // of this process with a receive waiting becomes readable (that one is not kept waiting).
  #spinOrSleep(): void {
    const micros = this.#spin.beforeWait(performance.now());
    if (micros === 0) return;
    if (this.#lane !== null && !this.#lane.onSocket) {
      if (this.#lane.spin(micros)) this.#pump(false);
    } else if (this.#native.spinReadable(this.#watch.withOthers(), micros) === 0) this.#readable();
    this.#spin.spinEnded();
  }

  // Deliver frames while receives wait; read the fd when `mayRead`, until a read comes back short
  // (the level-triggered watcher calls again when more comes).
  #pump(mayRead: boolean): void {
    this.#frames.drained = !mayRead;
    try {
      while (this.#waiters.frames > 0 && this.#failure === null && this.#source.step()) {
        // delivered one
      }
    } catch (error) {
      this.close(error as Error); // a corrupt stream: nothing after it can be trusted
    }
    this.#settle();
  }

  // While receives or polls wait on the socket, this process is among the lane's sleepers.
  #settle(): void {
    this.#lane?.settle(this.#waiters.size > 0 && this.#failure === null);
  }

  #deliver(payload: Buffer, owned: boolean, tag: Tag): void {
    const waiter = this.#waiters.firstFrame();
    if (waiter === undefined) return;
    this.#spin.delivered(this.#spin.timing ? performance.now() : 0);
    this.#waiters.remove(waiter, outcomeFor(waiter, payload, owned, tag, this.#takeFds));
  }
}
