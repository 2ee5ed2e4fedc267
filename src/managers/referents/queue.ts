// The shared Queue and JoinableQueue as they live in the manager's process (Python's queue.Queue
// there): FIFO items, an optional maxsize, getters and putters waiting in FIFO order.
import { typeError } from '../../options.ts';
import { QueueEmptyError, QueueFullError, TaskDoneError } from '../../queues/errors.ts';
import { kWithCaller } from './locks.ts';
import { timeoutArg, WaitList, type Caller } from './waiting.ts';

/** The referent of a Queue proxy (joinable: a JoinableQueue). */
export class QueueReferent {
  static readonly [kWithCaller] = new Set(['put', 'get', 'join']);
  readonly #items: unknown[] = [];
  readonly #maxsize: number;
  readonly #getters = new WaitList();
  readonly #putters = new WaitList();
  readonly #joiners = new WaitList();
  #head = 0;
  #unfinished = 0;

  constructor(maxsize: unknown = 0) {
    if (typeof maxsize !== 'number' || !Number.isInteger(maxsize) || maxsize < 0)
      typeError('maxsize', 'a non-negative integer (0: no limit)', maxsize);
    this.#maxsize = maxsize;
  }

  async put(caller: Caller, item: unknown, blocking: unknown = true, timeoutMs?: unknown): Promise<void> {
    const timeout = timeoutArg(timeoutMs);
    while (this.full()) {
      if (blocking === false || !(await this.#putters.wait(caller, timeout)))
        throw new QueueFullError(blocking === false ? 'The queue is full (putNowait).' : `The queue stayed full for ${timeout} ms.`);
    }
    this.#items.push(item);
    this.#unfinished++;
    this.#getters.wakeOne();
  }

  async get(caller: Caller, blocking: unknown = true, timeoutMs?: unknown): Promise<unknown> {
    const timeout = timeoutArg(timeoutMs);
    while (this.qsize() === 0) {
      if (blocking === false || !(await this.#getters.wait(caller, timeout)))
        throw new QueueEmptyError(blocking === false ? 'The queue is empty (getNowait).' : `No item arrived within ${timeout} ms.`);
    }
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items.splice(0, this.#head);
      this.#head = 0;
    }
    this.#putters.wakeOne();
    // Another getter may have been woken for the item this one took: pass the wake-up on.
    if (this.qsize() > 0) this.#getters.wakeOne();
    return item;
  }

  qsize(): number {
    return this.#items.length - this.#head;
  }
  empty(): boolean {
    return this.qsize() === 0;
  }
  full(): boolean {
    return this.#maxsize > 0 && this.qsize() >= this.#maxsize;
  }

  taskDone(): void {
    if (this.#unfinished <= 0) throw new TaskDoneError('taskDone() was called more times than there were items put in the queue.');
    if (--this.#unfinished === 0) this.#joiners.wakeAll();
  }

  async join(caller: Caller, timeoutMs?: unknown): Promise<boolean> {
    const timeout = timeoutArg(timeoutMs);
    if (this.#unfinished === 0) return true;
    return this.#joiners.wait(caller, timeout);
  }
}
