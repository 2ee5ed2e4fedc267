// Queue, SimpleQueue and JoinableQueue without the addon: the items live in the process that
// created the queue (server.ts), encoded by the put-ing process as the native queue encodes them
// (src/queues/items.ts), so the same values travel and the same ones are refused. Waits are
// asynchronous; getSync/putSync/joinSync throw NativeUnavailableError, and the queries that must
// answer at once (qsize, empty, full, getNowait) work in the creating process only.
import { asError } from '../connection/errors.ts';
import { decodeItem, encodeItem } from '../queues/items.ts';
import { QueueClosedError } from '../queues/errors.ts';
import type { WaitOptions } from '../sync/futex.ts';
import { kReduce, reduceHandle, remoteQueryRefused, syncRefused } from './adopt.ts';
import { callLocalSync, callObject, type ObjectHandle } from './client.ts';
import { withoutFds } from './encode.ts';
import { waitArgs } from './sync.ts';

/** A portable Queue (any of the three kinds: `handle.what`). */
export class PortableQueue<T = unknown> {
  readonly #handle: ObjectHandle;
  readonly #maxsize: number;
  #closed = false;
  #lastPut: Promise<unknown> = Promise.resolve();

  constructor(handle: ObjectHandle) {
    this.#handle = handle;
    this.#maxsize = (handle.spec.params[0] as number | undefined) ?? 0;
  }

  #encode(obj: T): Uint8Array {
    if (this.#closed) throw new QueueClosedError(`This ${this.#handle.what} was closed: no more items can be put on it.`);
    return withoutFds(() => encodeItem(obj));
  }

  put(obj: T, options?: WaitOptions): Promise<void> {
    try {
      const { timeoutMs, signal } = waitArgs(options);
      const put = callObject(this.#handle, 'put', [this.#encode(obj), timeoutMs], signal) as Promise<void>;
      this.#lastPut = put.catch(() => undefined);
      return put;
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }

  putSync(): void {
    throw syncRefused(`${this.#handle.what}.putSync()`, 'await queue.put()');
  }

  putNowait(obj: T): void {
    const item = this.#encode(obj);
    if (this.#handle.pid === process.pid) {
      callLocalSync(this.#handle, 'put', [item, 0]);
      return;
    }
    if (this.#maxsize > 0)
      throw remoteQueryRefused(
        `putNowait() on a bounded ${this.#handle.what}`,
        this.#handle,
        'Use await queue.put(item, { timeoutMs: 0 })',
      );
    this.#lastPut = callObject(this.#handle, 'put', [item, undefined]).catch(() => undefined);
  }

  /** Resolves once the items this process put are in the queue. */
  async flushed(): Promise<void> {
    await this.#lastPut;
  }

  async get(options?: WaitOptions): Promise<T> {
    const { timeoutMs, signal } = waitArgs(options);
    const bytes = (await callObject(this.#handle, 'get', [timeoutMs], signal)) as Uint8Array;
    return (await decodeItem(bytes, true)) as T;
  }

  getSync(): T {
    throw syncRefused(`${this.#handle.what}.getSync()`, 'await queue.get()');
  }

  getNowait(): T {
    if (this.#handle.pid !== process.pid)
      throw remoteQueryRefused(`${this.#handle.what}.getNowait()`, this.#handle, 'Use await queue.get({ timeoutMs: 0 })');
    return decodeItem(callLocalSync(this.#handle, 'get', [0]) as Uint8Array, false) as T;
  }

  qsize(): number {
    if (this.#handle.pid !== process.pid)
      throw remoteQueryRefused(`${this.#handle.what}.qsize()`, this.#handle, 'Ask the creating process, or use get({ timeoutMs: 0 })');
    return callLocalSync(this.#handle, 'qsize', []) as number;
  }

  empty(): boolean {
    return this.qsize() === 0;
  }

  full(): boolean {
    return this.#maxsize > 0 && this.qsize() >= this.#maxsize;
  }

  get maxsize(): number {
    return this.#maxsize;
  }

  /** Close the queue in every process (as the native Queue): puts throw, gets end once it is empty. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const handle = this.#handle;
    void this.#lastPut
      .then(() => (handle.pid === process.pid ? callLocalSync(handle, 'close', []) : callObject(handle, 'close', [])))
      .catch(() => undefined);
  }

  /** Whether close() was called here (or, in the creating process, anywhere). */
  get closed(): boolean {
    if (this.#closed || this.#handle.pid !== process.pid) return this.#closed;
    return callLocalSync(this.#handle, 'closed', []) as boolean;
  }

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

  taskDone(): void {
    if (this.#handle.pid === process.pid) callLocalSync(this.#handle, 'taskDone', []);
    else void callObject(this.#handle, 'taskDone', []).catch(() => undefined);
  }

  join(options?: WaitOptions): Promise<boolean> {
    try {
      const { timeoutMs, signal } = waitArgs(options);
      return callObject(this.#handle, 'join', [timeoutMs], signal) as Promise<boolean>;
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }

  joinSync(): boolean {
    throw syncRefused(`${this.#handle.what}.joinSync()`, 'await queue.join()');
  }

  [kReduce]() {
    return reduceHandle(this.#handle);
  }

  toString(): string {
    return `<${this.#handle.what}(portable, served by process ${this.#handle.pid})>`;
  }
}
