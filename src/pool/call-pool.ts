// The call layer of a pool (local or cluster): the public calls (apply, map, starmap, imap,
// imapUnordered), their chunks (feed.ts), their results in order or as they come, errors at
// their position, abort, and the pool's state (running, closed, terminated). Where the tasks
// run is the worker layer's business (worker-layer.ts).
import { EventEmitter } from 'node:events';
import { checkAbortSignal, untilAborted } from '../abortable.ts';
import { ProcessError, ProcessStateError } from '../errors.ts';
import { typeError } from '../options.ts';
import { Call } from './call.ts';
import { emitSafely, type PoolEvents } from './events.ts';
import { feedInput, type Input } from './feed.ts';
import { normalizeCallOptions, type CallOptions } from './options.ts';
import { Progress } from './progress.ts';
import type { CallHooks, PoolState, WorkerLayer } from './worker-layer.ts';

type AnyFunction = (...args: never[]) => unknown;

/** imap's default buffersize: this many chunks per worker read ahead of the consumer. */
const BUFFER_PER_WORKER = 4;

/** What a call layer records of its calls (a PoolTrace does). */
export interface CallRecorder {
  callStarted(id: number, name: string): void;
  callEnded(id: number, failed: boolean): void;
  poolEvent(name: string, args?: Record<string, unknown>): void;
}

/** How one public method calls: whether items are argument lists, ordered, streamed. */
interface CallRequest {
  options: CallOptions | undefined;
  star: boolean;
  ordered: boolean;
  /** `apply()`, `map()` …: named in errors. */
  what: string;
  /** The chunksize when none is given (undefined: map's heuristic). */
  defaultChunk?: number;
  /** imap/imapUnordered: results are yielded as they come; an input error ends the stream there. */
  streaming?: boolean;
}

/**
 * A pool's public calls over a worker layer whose functions travel as `R`; an EventEmitter of
 * the pool's events (PoolEvents: 'workerCreate', 'workerExit', 'drain').
 */
export abstract class CallPool<R> extends EventEmitter<PoolEvents> {
  readonly #workers: WorkerLayer<R>;
  readonly #recorder: CallRecorder | null;
  #state: PoolState = 'running';
  #callIds = 0;
  readonly #calls = new Set<Call>();
  #idleWaiters: (() => void)[] = [];
  #completed = 0;
  /** True while 'drain' was told and no call started since (no 'drain' before the first call). */
  #drained = true;

  protected constructor(makeWorkers: (hooks: CallHooks) => WorkerLayer<R>, recorder: CallRecorder | null) {
    super();
    this.#recorder = recorder;
    this.#workers = makeWorkers({
      settled: (call) => this.#settled(call),
      checkIdle: () => this.#checkIdle(),
      failAll: (error) => {
        for (const call of [...this.#calls]) call.fail(error);
      },
      state: () => this.#state,
      workerCreated: (worker) => emitSafely(this, 'workerCreate', worker),
      workerExited: (worker) => emitSafely(this, 'workerExit', worker),
    });
  }

  /** Input items whose results came back (since the pool was created; a failed task's items not counted). */
  get completed(): number {
    return this.#completed;
  }

  /** Tasks (chunks) given to the pool and not sent to a worker yet. */
  get queueSize(): number {
    return this.#workers.pending;
  }

  /** Call `fn(...args)` in a worker; the result. */
  apply<A extends unknown[], R>(
    fn: (...args: A) => R,
    args?: A,
    options?: Pick<CallOptions, 'signal' | 'cancelRunning'>,
  ): Promise<Awaited<R>> {
    const request = { options: { ...options, chunksize: 1 }, star: true, ordered: true, what: 'apply()' };
    return this.#run(fn as AnyFunction, [args ?? []], request).then((values) => values[0] as Awaited<R>);
  }

  /** `fn(item)` for every item, in input order (Python's map; chunksize default ceil(n / (4 × processes))). */
  map<T, R>(fn: (item: T) => R, items: Iterable<T> | AsyncIterable<T>, options?: CallOptions): Promise<Awaited<R>[]> {
    return this.#run(fn, items, { options, star: false, ordered: true, what: 'map()' }) as Promise<Awaited<R>[]>;
  }

  /** `fn(...args)` for every argument list, in input order. */
  starmap<A extends unknown[], R>(
    fn: (...args: A) => R,
    items: Iterable<A> | AsyncIterable<A>,
    options?: CallOptions,
  ): Promise<Awaited<R>[]> {
    return this.#run(fn, items, { options, star: true, ordered: true, what: 'starmap()' }) as Promise<Awaited<R>[]>;
  }

  /** `fn(item)` for every item, yielded in input order as they complete (chunksize default 1). */
  imap<T, R>(fn: (item: T) => R, items: Iterable<T> | AsyncIterable<T>, options?: CallOptions): AsyncIterableIterator<Awaited<R>> {
    return this.#iterate(fn, items, {
      options,
      star: false,
      ordered: true,
      what: 'imap()',
      defaultChunk: 1,
      streaming: true,
    }) as AsyncIterableIterator<Awaited<R>>;
  }

  /** `fn(item)` for every item, yielded as they complete, in any order (chunksize default 1). */
  imapUnordered<T, R>(fn: (item: T) => R, items: Iterable<T> | AsyncIterable<T>, options?: CallOptions): AsyncIterableIterator<Awaited<R>> {
    return this.#iterate(fn, items, {
      options,
      star: false,
      ordered: false,
      what: 'imapUnordered()',
      defaultChunk: 1,
      streaming: true,
    }) as AsyncIterableIterator<Awaited<R>>;
  }

  /** No new tasks; the queued ones still run. Then join() waits for the workers to end. */
  close(): void {
    if (this.#state === 'running') {
      this.#state = 'closed';
      this.#recorder?.poolEvent('close()');
    }
    this.#checkIdle();
  }

  /**
   * After close() (or terminate()): resolves once every task finished and every worker ended;
   * rejects with the signal's reason when `signal` aborts (the pool goes on).
   */
  join(options: { signal?: AbortSignal } = {}): Promise<void> {
    return untilAborted(this.#join(), checkAbortSignal(options.signal));
  }

  async #join(): Promise<void> {
    if (this.#state === 'running')
      throw new ProcessStateError('Pool.join() needs close() or terminate() first (the pool is still running).');
    if (this.#state === 'closed') {
      await new Promise<void>((resolve) => {
        this.#idleWaiters.push(resolve);
        this.#checkIdle();
      });
    }
    await this.#workers.ended();
  }

  /** End every worker now; pending tasks reject. Resolves once all are gone. */
  async terminate(): Promise<void> {
    if (this.#state !== 'terminated') {
      this.#state = 'terminated';
      this.#recorder?.poolEvent('terminate()', { pending: this.#workers.pending });
      const error = new ProcessError('The pool was terminated before this task finished.');
      for (const call of [...this.#calls]) call.fail(error);
      this.#workers.terminate();
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
    await this.#workers.ended();
  }

  /** terminate(), for `await using` (as Python's `with Pool() as pool`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.terminate();
  }

  /** The pool's state (for toString and subclasses). */
  protected get state(): PoolState {
    return this.#state;
  }

  #run(fn: AnyFunction, items: Input, request: CallRequest): Promise<unknown[]> {
    let call: Call;
    try {
      call = this.#startCall(fn, items, request);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return call.collect();
  }

  async *#iterate(fn: AnyFunction, items: Input, request: CallRequest): AsyncGenerator<unknown, void, undefined> {
    const call = this.#startCall(fn, items, request);
    try {
      for await (const values of call.chunks()) yield* values;
    } finally {
      if (!call.finished) call.fail(new ProcessError(`${request.what} was abandoned by its consumer.`));
    }
  }

  #startCall(fn: AnyFunction, items: Input, request: CallRequest): Call {
    const { what, star } = request;
    if (this.#state !== 'running')
      throw new ProcessStateError(`Cannot ${what}: the pool is ${this.#state === 'closed' ? 'closed' : 'terminated'}.`);
    if (typeof fn !== 'function') throw new TypeError(`Expected \`fn\` to be a function, got ${typeof fn}.`);
    const { chunksize, signal, buffersize, cancelRunning, onProgress } = normalizeCallOptions(request.options);
    if (buffersize !== undefined && request.streaming !== true)
      typeError('buffersize', `undefined for ${what} (it collects its input; imap() and imapUnordered() take a buffersize)`, buffersize);
    const workers = this.#workers;
    if (cancelRunning && workers.cancelRunning === undefined)
      typeError(
        'cancelRunning',
        'false or undefined for this pool (a task running on a worker host cannot be stopped from here; its result is ignored)',
        cancelRunning,
      );
    if (workers.broken !== null) throw workers.broken;
    const progress = new Progress(onProgress, (error) => call.fail(error));
    const onDeliver = (items: number) => {
      this.#completed += items;
      progress.delivered(items);
    };
    const call: Call = new Call(fn, {
      id: ++this.#callIds,
      star,
      ordered: request.ordered,
      deferErrors: request.streaming === true,
      what,
      onFail: (c) => this.#callFailed(c),
      onDeliver,
    });
    const route = workers.route(fn);
    workers.begin(route);
    if (signal?.aborted) throw signal.reason;
    this.#calls.add(call);
    this.#drained = false;
    this.#recorder?.callStarted(call.id, `${what.slice(0, -2)}(${fn.name || 'anonymous'})`);
    workers.callStarted?.(call, request.options);
    if (signal !== undefined) {
      const onAbort = () => {
        call.fail(signal.reason);
        if (cancelRunning) workers.cancelRunning?.(call);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      call.collectDone = () => signal.removeEventListener('abort', onAbort);
    }
    feedInput(items, {
      chunksize: chunksize ?? request.defaultChunk,
      processes: workers.processes,
      star,
      isFailed: () => call.stopped,
      ...(request.streaming === true
        ? { room: (made: number) => call.room(made, buffersize ?? BUFFER_PER_WORKER * workers.processes) }
        : {}),
      onChunk: (index, start, chunk) => {
        progress.fed(chunk.length);
        if (!call.skips(index) && this.#state !== 'terminated') workers.enqueue(call, route, index, start, chunk);
      },
      onEnd: (total) => {
        progress.ended(call.stopped);
        call.finishInput(total);
        this.#settled(call);
      },
      onError: (error, at) => {
        // map() fails at once (as Python's list(iterable)); imap yields what came before.
        if (request.streaming === true) {
          call.endWithError(error, at);
          this.#settled(call);
        } else call.fail(error, at);
      },
    });
    return call;
  }

  #callFailed(call: Call): void {
    this.#ended(call);
    this.#checkIdle();
  }

  #settled(call: Call): void {
    if (call.finished || call.failed) {
      this.#ended(call);
      this.#checkIdle();
    }
  }

  #ended(call: Call): void {
    call.collectDone?.();
    if (!this.#calls.delete(call)) return;
    this.#recorder?.callEnded(call.id, call.failed);
    this.#workers.callEnded?.(call);
  }

  // Once nothing is queued or running: 'drain'; after close(), let the workers go and wake join().
  #checkIdle(): void {
    if (this.#calls.size > 0 || this.#workers.busy) return;
    if (!this.#drained) {
      this.#drained = true;
      emitSafely(this, 'drain');
    }
    if (this.#state !== 'closed') return;
    this.#workers.release();
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
