// Queue, SimpleQueue and JoinableQueue shared between processes (Python's multiprocessing
// queues) over the shared ring buffer of ring.ts: no feeder thread and no owner process, so a
// queue keeps working whatever its creator is doing. Items are encoded by items.ts (structured
// clone, class instances and SharedMemory by reference; shareables that need an fd are refused)
// and moved in and out by transfer.ts (in pieces when larger than the buffer).
import { holdExit } from '../exit-hold.ts';
import { portableInstance, portableMode } from '../portable/index.ts';
import { rangeError, typeError } from '../options.ts';
import { kReduce, registerRebuilder, type HandleDescriptor, type ReceivedHandle } from '../reduction.ts';
import { checkSignal, deadlineOf, remaining, wake, futexWaitAsync, futexWaitSync, type WaitOptions } from '../sync/futex.ts';
import { createSegment, keepSegment, openSegment, type Segment } from '../sync/segment.ts';
import { decodeItem, encodeItem } from './items.ts';
import { QueueClosedError, QueueEmptyError, QueueFullError, TaskDoneError } from './errors.ts';
import { ARRIVALS, HEADER, MAXSIZE, UNFINISHED } from '../wire/queue-layout.ts';
import { Ring } from './ring.ts';
import { closeRing, getStep, Incoming, isClosed, Outgoing, putStep, type Wait } from './transfer.ts';

/** Options of a queue beyond maxsize. */
export interface QueueOptions {
  /** Bytes of shared buffer for queued items (default 4 MiB; pages are only used once touched). Larger items travel in pieces. */
  capacityBytes?: number;
}

const DEFAULT_CAPACITY = 4 * 1024 * 1024;
/** How long a wait on another process's piece-by-piece transfer lasts before that process's life is checked (ms). */
const LIVENESS_MS = 200;

/**
 * A FIFO queue shared between any number of producer and consumer processes.
 * @throws {SerializationError} from put() for an item that cannot travel (names its path).
 * @throws {QueueEmptyError} / {QueueFullError} from the non-waiting forms; {QueueClosedError} once closed and empty.
 * @example
 * const queue = new Queue<number>();
 * const p = new Process({ target: produce, args: [queue] }); // export async function produce(q: Queue<number>) { await q.put(42); }
 * p.start();
 * console.log(await queue.get()); // 42
 * await p.join();
 */
export class Queue<T = unknown> {
  readonly #segment!: Segment; // ! : a portable instance (no addon) is returned instead of this one
  readonly #ring!: Ring; // ! : a portable instance (no addon) is returned instead of this one
  #closed = false;
  // Items putNowait() accepted while an unbounded queue's buffer had no room: written in order
  // (before any later put of this process) as room appears, as Python's feeder thread does.
  readonly #backlog: Outgoing[] = [];

  constructor(maxsize = 0, options: QueueOptions = {}, segment?: Segment) {
    if (segment === undefined) {
      if (typeof maxsize !== 'number') typeError('maxsize', 'a non-negative integer', maxsize);
      if (!Number.isInteger(maxsize) || maxsize < 0 || maxsize > 0x7fffffff) rangeError('maxsize', 'a non-negative integer', maxsize);
      const capacity = options.capacityBytes ?? DEFAULT_CAPACITY;
      if (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 64 || capacity > 0x7fffffff)
        rangeError('capacityBytes', 'an integer number of bytes between 64 and 2^31 - 1', capacity);
      if (portableMode()) return portableInstance(new.target, [maxsize]); // without the addon: src/portable/
      segment = createSegment(HEADER + capacity, new.target.name);
      Atomics.store(segment.i32, MAXSIZE, maxsize);
    }
    this.#segment = keepSegment(this, segment);
    this.#ring = new Ring(segment);
  }

  #checkPut(): void {
    if (this.#closed || isClosed(this.#ring))
      throw new QueueClosedError(`This ${this.constructor.name} was closed: no more items can be put on it.`);
  }

  #item(obj: T): Outgoing {
    return new Outgoing(encodeItem(obj));
  }

  // Drive putStep until `item` is in (or the deadline passes before its first byte).
  async #putAsync(item: Outgoing, deadline: number, options: WaitOptions | undefined): Promise<void> {
    for (;;) {
      const wait = putStep(this.#ring, item, this instanceof JoinableQueue);
      if (wait === null) return;
      // Once part of an item is in, the rest must follow: no timeout or abort in the middle.
      const left = item.streaming ? -1 : remaining(deadline);
      if (left === 0) throw new QueueFullError(`The queue stayed full for ${String(options?.timeoutMs)} ms.`);
      await this.#waitAsync(wait, left, item.streaming ? undefined : options?.signal);
    }
  }

  #putSync(item: Outgoing, deadline: number, options: { timeoutMs?: number | undefined } | undefined): void {
    for (;;) {
      const wait = putStep(this.#ring, item, this instanceof JoinableQueue);
      if (wait === null) return;
      const left = item.streaming ? -1 : remaining(deadline);
      if (left === 0) throw new QueueFullError(`The queue stayed full for ${String(options?.timeoutMs)} ms.`);
      this.#waitSync(wait, left);
    }
  }

  async #waitAsync(wait: Wait, left: number, signal: AbortSignal | undefined): Promise<void> {
    const i32 = this.#ring.i32;
    const slice = wait.owner === 0 ? left : left < 0 ? LIVENESS_MS : Math.min(left, LIVENESS_MS);
    if (wait.counter >= 0) Atomics.add(i32, wait.counter, 1);
    try {
      await futexWaitAsync(i32, wait.index, wait.value, slice, signal, wait.index === ARRIVALS);
    } finally {
      if (wait.counter >= 0) Atomics.sub(i32, wait.counter, 1);
    }
  }

  #waitSync(wait: Wait, left: number): void {
    const i32 = this.#ring.i32;
    const slice = wait.owner === 0 ? left : left < 0 ? LIVENESS_MS : Math.min(left, LIVENESS_MS);
    if (wait.counter >= 0) Atomics.add(i32, wait.counter, 1);
    try {
      futexWaitSync(i32, wait.index, wait.value, slice);
    } finally {
      if (wait.counter >= 0) Atomics.sub(i32, wait.counter, 1);
    }
  }

  // Write the backlog (putNowait's items that found no room), in order, as room appears.
  #flush(): Promise<void> {
    const run = async (): Promise<void> => {
      await this.#lastPut; // after this process's puts that wait already
      while (this.#backlog.length > 0) {
        const item = this.#backlog[0] as Outgoing;
        if (!item.done) await this.#putAsync(item, Infinity, undefined);
        this.#backlog.shift();
      }
    };
    return holdExit(run());
  }

  // The backlog, written now (blocking): a sync put must not overtake it.
  #flushSync(): void {
    while (this.#backlog.length > 0) {
      const item = this.#backlog[0] as Outgoing;
      if (!item.done) this.#putSync(item, Infinity, undefined);
      this.#backlog.shift();
    }
  }

  /**
   * Put an item, waiting (without blocking the loop) while the queue is full; rejects with
   * QueueFullError after `timeoutMs`. An item larger than the buffer goes in pieces as consumers
   * take them (timeoutMs and signal only apply before its first piece is in). What is known at the
   * call throws there, not as a rejection: an item that cannot travel (SerializationError), bad
   * options, a closed queue (QueueClosedError); a put never awaited cannot crash the process with them.
   */
  put(obj: T, options?: WaitOptions): Promise<void> {
    this.#checkPut();
    const deadline = deadlineOf(options);
    const item = this.#item(obj);
    return this.#putItem(item, deadline, options);
  }

  async #putItem(item: Outgoing, deadline: number, options: WaitOptions | undefined): Promise<void> {
    checkSignal(options?.signal);
    if (this.#backlog.length > 0) {
      this.#backlog.push(item);
      while (!item.done) await this.#flushing();
      return;
    }
    // The puts of one process keep their order: one that must wait goes after those waiting already.
    if (this.#waitingPuts === 0 && putStep(this.#ring, item, this instanceof JoinableQueue) === null) return;
    const before = this.#lastPut;
    const mine = (async () => {
      this.#waitingPuts++;
      try {
        await before;
        await this.#putAsync(item, deadline, options);
      } finally {
        this.#waitingPuts--;
      }
    })();
    this.#lastPut = mine.catch(() => undefined);
    return mine;
  }

  #waitingPuts = 0;
  #lastPut: Promise<void> = Promise.resolve();

  #flushing(): Promise<void> {
    return (this.#flushed ??= this.#flush().finally(() => (this.#flushed = null)));
  }

  #flushed: Promise<void> | null = null;

  /** put(), blocking this process while the queue is full. */
  putSync(obj: T, options?: { timeoutMs?: number | undefined }): void {
    this.#checkPut();
    const deadline = deadlineOf(options);
    const item = this.#item(obj);
    this.#flushSync();
    this.#putSync(item, deadline, options);
  }

  /**
   * Put an item now. A bounded queue (maxsize > 0) that is full throws QueueFullError. An
   * unbounded queue never refuses (as Python's): an item that finds no room in the buffer now is
   * kept in this process and written, in order, as room appears (this process does not exit
   * before; see flushed()).
   */
  putNowait(obj: T): void {
    this.#checkPut();
    const item = this.#item(obj);
    if (this.#backlog.length === 0 && this.#waitingPuts === 0) {
      const wait = putStep(this.#ring, item, this instanceof JoinableQueue);
      if (wait === null) return;
      if (this.#ring.maxsize() > 0 && !item.streaming) throw new QueueFullError('The queue is full.');
    }
    this.#backlog.push(item);
    void this.#flushing().catch(() => undefined);
  }

  /** Resolves once every item putNowait() kept in this process is in the queue. */
  flushed(): Promise<void> {
    return this.#backlog.length === 0 ? Promise.resolve() : this.#flushing();
  }

  /**
   * Take the oldest item, waiting (without blocking the loop) while empty; rejects with
   * QueueEmptyError after `timeoutMs`, and with QueueClosedError once the queue is closed and empty.
   */
  async get(options?: WaitOptions): Promise<T> {
    this.#checkGet();
    const deadline = deadlineOf(options);
    checkSignal(options?.signal);
    const incoming = new Incoming();
    for (;;) {
      const got = getStep(this.#ring, incoming);
      if (got instanceof Uint8Array) return (await decodeItem(got, true)) as T;
      const left = incoming.collecting ? -1 : remaining(deadline);
      if (left === 0) throw new QueueEmptyError(`No item arrived within ${String(options?.timeoutMs)} ms.`);
      await this.#waitAsync(got, left, incoming.collecting ? undefined : options?.signal);
    }
  }

  /** get(), blocking this process while the queue is empty. */
  getSync(options?: { timeoutMs?: number | undefined }): T {
    this.#checkGet();
    const deadline = deadlineOf(options);
    const incoming = new Incoming();
    for (;;) {
      const got = getStep(this.#ring, incoming);
      if (got instanceof Uint8Array) return decodeItem(got, false) as T;
      const left = incoming.collecting ? -1 : remaining(deadline);
      if (left === 0) throw new QueueEmptyError(`No item arrived within ${String(options?.timeoutMs)} ms.`);
      this.#waitSync(got, left);
    }
  }

  /** Take an item now or throw QueueEmptyError (QueueClosedError once closed and empty). An item coming in pieces is waited for to its end. */
  getNowait(): T {
    this.#checkGet();
    const incoming = new Incoming();
    for (;;) {
      const got = getStep(this.#ring, incoming);
      if (got instanceof Uint8Array) return decodeItem(got, false) as T;
      if (!incoming.collecting && got.owner === 0) throw new QueueEmptyError('The queue is empty.');
      if (!incoming.collecting)
        throw new QueueEmptyError('The queue has no item ready: another process is taking one that comes in pieces.');
      this.#waitSync(got, -1);
    }
  }

  #checkGet(): void {
    if (this.#closed && this.#ring.count() === 0) throw new QueueClosedError(`This ${this.constructor.name} was closed and is empty.`);
  }

  /** How many items are queued now (approximate while others put and get, as in Python; an item in transit in pieces counts each piece). */
  qsize(): number {
    return this.#ring.count();
  }

  /** Whether no item is queued now. */
  empty(): boolean {
    return this.#ring.count() === 0;
  }

  /** Whether a bounded queue holds maxsize items now; an unbounded queue is never full (its puts never refuse). */
  full(): boolean {
    const max = this.#ring.maxsize();
    return max > 0 && this.#ring.count() >= max;
  }

  /** The bound given at construction (0 = unbounded). */
  get maxsize(): number {
    return this.#ring.maxsize();
  }

  /**
   * Close the queue in every process: puts anywhere throw QueueClosedError from now on; gets
   * take the items still queued, then reject with QueueClosedError; async iteration ends once the
   * queue is empty. Items this process's putNowait() kept are still written first.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#backlog.length === 0) closeRing(this.#ring);
    else
      void this.#flushing().then(
        () => closeRing(this.#ring),
        () => closeRing(this.#ring),
      );
  }

  /** Whether close() was called (in this or another process). */
  get closed(): boolean {
    return this.#closed || isClosed(this.#ring);
  }

  /** Items as they arrive (get() in a loop) until the queue is closed (in any process) and empty. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      try {
        yield await this.get();
      } catch (error) {
        if (error instanceof QueueClosedError) return;
        throw error;
      }
    }
  }

  /** @internal */
  protected get ring(): Ring {
    return this.#ring;
  }

  /** @internal */
  [kReduce](): HandleDescriptor {
    if (this.#closed) throw new QueueClosedError(`This ${this.constructor.name} was closed: it cannot be sent to another process.`);
    return { kind: 'multiproc.Queue', data: this.constructor.name, fds: [this.#segment.fd] };
  }
}

/** An unbounded queue (Python's SimpleQueue): put, get, empty, close. */
export class SimpleQueue<T = unknown> extends Queue<T> {
  constructor(options: QueueOptions = {}, segment?: Segment) {
    super(0, options, segment);
  }
}

/** A Queue whose consumers acknowledge each item with taskDone(); join() waits until all are done. */
export class JoinableQueue<T = unknown> extends Queue<T> {
  /** Mark one item got earlier as processed (TaskDoneError if called more times than items were put). */
  taskDone(): void {
    const i32 = this.ring.i32;
    for (;;) {
      const v = Atomics.load(i32, UNFINISHED);
      if (v <= 0) throw new TaskDoneError('taskDone() called more times than items were put.');
      if (Atomics.compareExchange(i32, UNFINISHED, v, v - 1) === v) {
        if (v === 1) wake(i32, UNFINISHED, 0x7fffffff);
        return;
      }
    }
  }

  /** Resolve once every item put has been marked done (true), or false after `timeoutMs`. */
  async join(options?: WaitOptions): Promise<boolean> {
    const deadline = deadlineOf(options);
    checkSignal(options?.signal);
    const i32 = this.ring.i32;
    for (;;) {
      const v = Atomics.load(i32, UNFINISHED);
      if (v === 0) return true;
      const left = remaining(deadline);
      if (left === 0) return false;
      await futexWaitAsync(i32, UNFINISHED, v, left, options?.signal, false);
    }
  }

  /** join(), blocking this process. */
  joinSync(options?: { timeoutMs?: number | undefined }): boolean {
    const deadline = deadlineOf(options);
    const i32 = this.ring.i32;
    for (;;) {
      const v = Atomics.load(i32, UNFINISHED);
      if (v === 0) return true;
      const left = remaining(deadline);
      if (left === 0) return false;
      futexWaitSync(i32, UNFINISHED, v, left);
    }
  }
}

registerRebuilder('multiproc.Queue', (handle: ReceivedHandle) => {
  const segment = openSegment(handle.fds[0], 'Queue');
  if (handle.data === 'JoinableQueue') return new JoinableQueue(0, {}, segment);
  if (handle.data === 'SimpleQueue') return new SimpleQueue({}, segment);
  return new Queue(0, {}, segment);
});
