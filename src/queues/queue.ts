// Queue, SimpleQueue and JoinableQueue shared between processes (Python's multiprocessing
// queues) over the shared ring buffer of ring.ts: no feeder thread and no owner process, so a
// queue keeps working whatever its creator is doing. Items are v8-serialized (structured clone).
import { kReduce, registerRebuilder, type HandleDescriptor, type ReceivedHandle } from '../reduction.ts';
import { rangeError, typeError } from '../options.ts';
import { SerializationError } from '../errors.ts';
import { checkSignal, deadlineOf, remaining, wake, waitAsync, waitSync, type WaitOptions } from '../sync/futex.ts';
import { createSegment, keepSegment, openSegment, type Segment } from '../sync/segment.ts';
import { decode, encode } from './codec.ts';
import { QueueClosedError, QueueEmptyError, QueueFullError, QueueItemTooLargeError, TaskDoneError } from './errors.ts';
import { COUNT, GETTERS, HEADER, MAXSIZE, PUTTERS, Ring, SPACE, UNFINISHED } from './ring.ts';

/** Options of a queue beyond maxsize. */
export interface QueueOptions {
  /** Bytes of shared buffer for queued items (default 4 MiB; pages are only used once touched). */
  capacityBytes?: number;
}

const DEFAULT_CAPACITY = 4 * 1024 * 1024;

/** A FIFO queue shared between any number of producer and consumer processes. */
export class Queue<T = unknown> {
  readonly #segment: Segment;
  readonly #ring: Ring;
  #closed = false;

  constructor(maxsize = 0, options: QueueOptions = {}, segment?: Segment) {
    if (segment === undefined) {
      if (typeof maxsize !== 'number') typeError('maxsize', 'a non-negative integer', maxsize);
      if (!Number.isInteger(maxsize) || maxsize < 0 || maxsize > 0x7fffffff) rangeError('maxsize', 'a non-negative integer', maxsize);
      const capacity = options.capacityBytes ?? DEFAULT_CAPACITY;
      if (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 64 || capacity > 0x7fffffff) rangeError('capacityBytes', 'an integer number of bytes between 64 and 2^31 - 1', capacity);
      segment = createSegment(HEADER + capacity, new.target.name);
      Atomics.store(segment.i32, MAXSIZE, maxsize);
    }
    this.#segment = keepSegment(this, segment);
    this.#ring = new Ring(segment);
  }

  #check(): void {
    if (this.#closed) throw new QueueClosedError(`This ${this.constructor.name} was closed in this process.`);
  }

  #encode(obj: T): Uint8Array {
    let data: Uint8Array;
    try {
      data = encode(obj);
    } catch (error) {
      throw new SerializationError('item', `item: a value cannot be put on a queue: ${(error as Error).message}`, { cause: error });
    }
    if (data.length + 4 > this.#ring.capacity) {
      throw new QueueItemTooLargeError(`The item is ${data.length} bytes serialized, more than this queue's buffer holds (${this.#ring.capacity - 4}); create the queue with a larger \`capacityBytes\`.`);
    }
    return data;
  }

  // One attempt: true if put; false with `seq` to sleep on otherwise.
  #tryPut(data: Uint8Array): { done: true } | { done: false; seq: number } {
    const ring = this.#ring;
    ring.lock();
    try {
      const seq = Atomics.load(ring.i32, SPACE);
      if (!ring.fits(data.length)) return { done: false, seq };
      ring.push(data);
      if (this instanceof JoinableQueue) Atomics.add(ring.i32, UNFINISHED, 1);
    } finally {
      ring.unlock(); // also when push() found the ring corrupt: the queue must not stay locked
    }
    if (Atomics.load(ring.i32, GETTERS) > 0) wake(ring.i32, COUNT, 1);
    return { done: true };
  }

  #tryGet(): Uint8Array | null {
    const ring = this.#ring;
    if (ring.count() === 0) return null;
    ring.lock();
    let data: Uint8Array;
    try {
      if (ring.count() === 0) return null;
      data = ring.shift();
      Atomics.add(ring.i32, SPACE, 1);
    } finally {
      ring.unlock(); // also when shift() found the ring corrupt
    }
    if (Atomics.load(ring.i32, PUTTERS) > 0) wake(ring.i32, SPACE, 0x7fffffff);
    return data;
  }

  /** Put an item, waiting (without blocking the loop) while the queue is full; rejects with QueueFullError after `timeoutMs`. */
  async put(obj: T, options?: WaitOptions): Promise<void> {
    this.#check();
    const deadline = deadlineOf(options);
    checkSignal(options?.signal);
    const data = this.#encode(obj);
    for (;;) {
      const attempt = this.#tryPut(data);
      if (attempt.done) return;
      const left = remaining(deadline);
      if (left === 0) throw new QueueFullError(`The queue stayed full for ${String(options?.timeoutMs)} ms.`);
      Atomics.add(this.#ring.i32, PUTTERS, 1);
      try {
        await waitAsync(this.#ring.i32, SPACE, attempt.seq, left, options?.signal, false);
      } finally {
        Atomics.sub(this.#ring.i32, PUTTERS, 1);
      }
      this.#check();
    }
  }

  /** put(), blocking this process while the queue is full. */
  putSync(obj: T, options?: { timeoutMs?: number | undefined }): void {
    this.#check();
    const deadline = deadlineOf(options);
    const data = this.#encode(obj);
    for (;;) {
      const attempt = this.#tryPut(data);
      if (attempt.done) return;
      const left = remaining(deadline);
      if (left === 0) throw new QueueFullError(`The queue stayed full for ${String(options?.timeoutMs)} ms.`);
      Atomics.add(this.#ring.i32, PUTTERS, 1);
      try {
        waitSync(this.#ring.i32, SPACE, attempt.seq, left);
      } finally {
        Atomics.sub(this.#ring.i32, PUTTERS, 1);
      }
    }
  }

  /** Put an item now or throw QueueFullError. */
  putNowait(obj: T): void {
    this.#check();
    if (!this.#tryPut(this.#encode(obj)).done) throw new QueueFullError('The queue is full.');
  }

  /** Take the oldest item, waiting (without blocking the loop) while empty; rejects with QueueEmptyError after `timeoutMs`. */
  async get(options?: WaitOptions): Promise<T> {
    this.#check();
    const deadline = deadlineOf(options);
    checkSignal(options?.signal);
    for (;;) {
      const data = this.#tryGet();
      if (data !== null) return decode(data) as T;
      const left = remaining(deadline);
      if (left === 0) throw new QueueEmptyError(`No item arrived within ${String(options?.timeoutMs)} ms.`);
      Atomics.add(this.#ring.i32, GETTERS, 1);
      try {
        await waitAsync(this.#ring.i32, COUNT, 0, left, options?.signal);
      } finally {
        Atomics.sub(this.#ring.i32, GETTERS, 1);
      }
      this.#check();
    }
  }

  /** get(), blocking this process while the queue is empty. */
  getSync(options?: { timeoutMs?: number | undefined }): T {
    this.#check();
    const deadline = deadlineOf(options);
    for (;;) {
      const data = this.#tryGet();
      if (data !== null) return decode(data) as T;
      const left = remaining(deadline);
      if (left === 0) throw new QueueEmptyError(`No item arrived within ${String(options?.timeoutMs)} ms.`);
      Atomics.add(this.#ring.i32, GETTERS, 1);
      try {
        waitSync(this.#ring.i32, COUNT, 0, left);
      } finally {
        Atomics.sub(this.#ring.i32, GETTERS, 1);
      }
    }
  }

  /** Take an item now or throw QueueEmptyError. */
  getNowait(): T {
    this.#check();
    const data = this.#tryGet();
    if (data === null) throw new QueueEmptyError('The queue is empty.');
    return decode(data) as T;
  }

  /** How many items are queued now (approximate while others put and get, as in Python). */
  qsize(): number {
    return this.#ring.count();
  }

  /** Whether no item is queued now. */
  empty(): boolean {
    return this.#ring.count() === 0;
  }

  /** Whether the queue holds maxsize items now (never, when unbounded). */
  full(): boolean {
    const max = this.#ring.maxsize();
    return max > 0 && this.#ring.count() >= max;
  }

  /** The bound given at construction (0 = unbounded). */
  get maxsize(): number {
    return this.#ring.maxsize();
  }

  /** Stop using the queue in this process: later calls here throw QueueClosedError. Other processes are unaffected; queued items stay. */
  close(): void {
    this.#closed = true;
  }

  /** Whether close() was called in this process. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Items as they arrive (get() in a loop) until the queue is closed in this process. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    while (!this.#closed) yield await this.get();
  }

  /** @internal */
  protected get ring(): Ring {
    return this.#ring;
  }

  /** @internal */
  [kReduce](): HandleDescriptor {
    this.#check();
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
      await waitAsync(i32, UNFINISHED, v, left, options?.signal, false);
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
      waitSync(i32, UNFINISHED, v, left);
    }
  }
}

registerRebuilder('multiproc.Queue', (handle: ReceivedHandle) => {
  const segment = openSegment(handle.fds[0], 'Queue');
  if (handle.data === 'JoinableQueue') return new JoinableQueue(0, {}, segment);
  if (handle.data === 'SimpleQueue') return new SimpleQueue({}, segment);
  return new Queue(0, {}, segment);
});
