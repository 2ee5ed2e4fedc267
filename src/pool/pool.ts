// Pool: Python's multiprocessing.Pool. Its calls are cut into tasks (chunks, feed.ts) that the
// dispatcher (dispatch.ts) gives to the workers (workers.ts); this file holds the public API, the
// calls in progress, and the pool's state (running, closed, terminated). With `trace`, a
// PoolTrace (trace.ts) records the run.
import { checkAbortSignal, untilAborted } from '../abortable.ts';
import type { Context } from '../context.ts';
import { ProcessError, ProcessStateError } from '../errors.ts';
import { forkServerPreload } from '../launcher/forkserver.ts';
import { assertMayStartChildren } from '../process.ts';
import { reduceForChild } from '../reduction.ts';
import { expectedMessage } from '../options.ts';
import { Call } from './call.ts';
import { Dispatcher, type CallSpec } from './dispatch.ts';
import { feedInput, type Input } from './feed.ts';
import { referenceFor, registeredId, registerFunction, tryReference } from './functions.ts';
import type { FnSpec } from './messages.ts';
import { normalizeCallOptions, normalizePoolOptions, type CallOptions, type NormalizedPoolOptions, type PoolOptions } from './options.ts';
import { PoolTrace, type TraceDocument } from './trace.ts';
import { WorkerSet } from './workers.ts';

type AnyFunction = (...args: never[]) => unknown;
type State = 'running' | 'closed' | 'terminated';

/** Internal: the context a context's Pool class defaults to. */
export const kPoolContext = Symbol.for('multiproc.pool.context');

/** A pool of worker processes (Python's multiprocessing.Pool). */
export class Pool {
  static [kPoolContext]: Context | undefined;
  readonly #options: NormalizedPoolOptions;
  readonly #fork: boolean;
  readonly #forkserver: boolean;
  readonly #initializerSpec: FnSpec | null;
  /** True until the workers are started: at the first call, or at the end of the constructor's task. */
  #unstarted = true;
  readonly #workers: WorkerSet;
  readonly #dispatcher: Dispatcher;
  readonly #trace: PoolTrace | null;
  #state: State = 'running';
  #callIds = 0;
  #calls = new Set<Call>();
  #idleWaiters: (() => void)[] = [];
  #written: Promise<void> = Promise.resolve();

  constructor(options: PoolOptions = {}) {
    const own = (options as { context?: unknown } | undefined)?.context;
    const withContext = own === undefined && new.target[kPoolContext] !== undefined ? { ...options, context: new.target[kPoolContext] } : options;
    this.#options = normalizePoolOptions(withContext);
    const method = this.#options.context.getStartMethod();
    this.#fork = method === 'fork';
    this.#forkserver = method === 'forkserver';
    const init = this.#options.initializer;
    let initializer: FnSpec | null = null;
    if (init !== undefined) initializer = this.#fork ? { kind: 'id', id: registerFunction(init) } : referenceFor(init, 'initializer');
    this.#initializerSpec = initializer;
    // What starting a worker would refuse, refused now (the workers start a little later).
    assertMayStartChildren('new Pool()');
    if (!this.#fork) reduceForChild({ initargs: this.#options.initargs }, 'a pool worker (spawn/forkserver)');
    const { processes, maxTasksPerChild, initargs, context } = this.#options;
    const trace = this.#options.trace === undefined ? null : new PoolTrace(method, processes);
    this.#trace = trace;
    this.#workers = new WorkerSet({
      context,
      processes,
      initializer,
      initargs,
      maxTasksPerChild,
      trace,
      wanted: () => this.#state !== 'terminated' && this.#dispatcher.broken === null && (this.#state !== 'closed' || this.#dispatcher.pending > 0),
      afterReap: () => this.#dispatcher.pump(),
    });
    this.#dispatcher = new Dispatcher(this.#workers, { processes, maxTasksPerChild, trace }, {
      settled: (call) => this.#settled(call),
      checkIdle: () => this.#checkIdle(),
      failAll: (error) => {
        for (const call of [...this.#calls]) call.fail(error);
      },
    });
    // The workers start with the first call made in this task, so that they start knowing its
    // function (a fork server imports its module once, before forking them; a fork worker
    // knows it by id), or else at the end of this task (see docs/DECISIONS.md, Pool).
    queueMicrotask(() => this.#startWorkers(null));
  }

  #startWorkers(spec: CallSpec | null): void {
    if (!this.#unstarted) return;
    this.#unstarted = false;
    if (this.#state !== 'running') return;
    if (this.#forkserver) {
      const urls = new Set<string>();
      if (this.#initializerSpec?.kind === 'ref') urls.add(this.#initializerSpec.ref.url);
      if (spec?.ref) urls.add(spec.ref.url);
      try {
        forkServerPreload([...urls]);
      } catch {
        // the starts below report an unreachable server
      }
    }
    try {
      for (let i = 0; i < this.#options.processes; i++) this.#workers.start();
    } catch (error) {
      this.#dispatcher.breakAll(error instanceof Error ? error : new ProcessError(String(error)));
    }
  }

  /** Number of worker processes the pool keeps. */
  get processes(): number {
    return this.#options.processes;
  }

  /** The live workers' pids (for tests and monitoring). */
  get pids(): number[] {
    this.#startWorkers(null);
    return this.#workers.list.filter((w) => !w.gone).map((w) => w.process.pid ?? 0);
  }

  /** Call `fn(...args)` in a worker; the result. */
  apply<A extends unknown[], R>(fn: (...args: A) => R, args?: A, options?: Pick<CallOptions, 'signal'>): Promise<Awaited<R>> {
    return this.#run(fn as AnyFunction, [args ?? []], { ...options, chunksize: 1 }, true, 'apply()').then((values) => values[0] as Awaited<R>);
  }

  /** `fn(item)` for every item, in input order (Python's map; chunksize default ceil(n / (4 × processes))). */
  map<T, R>(fn: (item: T) => R, items: Iterable<T> | AsyncIterable<T>, options?: CallOptions): Promise<Awaited<R>[]> {
    return this.#run(fn, items, options, false, 'map()') as Promise<Awaited<R>[]>;
  }

  /** `fn(...args)` for every argument list, in input order. */
  starmap<A extends unknown[], R>(fn: (...args: A) => R, items: Iterable<A> | AsyncIterable<A>, options?: CallOptions): Promise<Awaited<R>[]> {
    return this.#run(fn, items, options, true, 'starmap()') as Promise<Awaited<R>[]>;
  }

  /** `fn(item)` for every item, yielded in input order as they complete (chunksize default 1). */
  imap<T, R>(fn: (item: T) => R, items: Iterable<T> | AsyncIterable<T>, options?: CallOptions): AsyncIterableIterator<Awaited<R>> {
    return this.#iterate(fn, items, options, true, 'imap()') as AsyncIterableIterator<Awaited<R>>;
  }

  /** `fn(item)` for every item, yielded as they complete, in any order (chunksize default 1). */
  imapUnordered<T, R>(fn: (item: T) => R, items: Iterable<T> | AsyncIterable<T>, options?: CallOptions): AsyncIterableIterator<Awaited<R>> {
    return this.#iterate(fn, items, options, false, 'imapUnordered()') as AsyncIterableIterator<Awaited<R>>;
  }

  /** No new tasks; the queued ones still run. Then join() waits for the workers to end. */
  close(): void {
    if (this.#state === 'running') {
      this.#state = 'closed';
      this.#trace?.poolEvent('close()');
    }
    this.#checkIdle();
  }

  /** After close() (or terminate()): resolves once every task finished and every worker ended; rejects with the signal's reason when `signal` aborts (the pool goes on). */
  async join(options: { signal?: AbortSignal } = {}): Promise<void> {
    const signal = checkAbortSignal(options.signal);
    return untilAborted(this.#join(), signal);
  }

  async #join(): Promise<void> {
    if (this.#state === 'running') throw new ProcessStateError('Pool.join() needs close() or terminate() first (the pool is still running).');
    if (this.#state === 'closed') {
      await new Promise<void>((resolve) => {
        this.#idleWaiters.push(resolve);
        this.#checkIdle();
      });
    }
    await this.#workers.reaped();
    await this.#writeTrace();
  }

  /** End every worker now (SIGTERM, then SIGKILL after 1 s); pending tasks reject. Resolves once all are gone. */
  async terminate(): Promise<void> {
    if (this.#state !== 'terminated') {
      this.#state = 'terminated';
      this.#trace?.poolEvent('terminate()', { pending: this.#dispatcher.pending });
      const error = new ProcessError('The pool was terminated before this task finished.');
      for (const call of [...this.#calls]) call.fail(error);
      this.#dispatcher.clear();
      for (const worker of [...this.#workers.list]) {
        try {
          if (worker.process.exitCode === null) worker.process.terminate();
        } catch {
          // already reaped
        }
        void this.#workers.retire(worker, 1000, 'terminated');
      }
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
    await this.#workers.reaped();
    await this.#writeTrace();
  }

  /** terminate(), for `await using` (as Python's `with Pool() as pool`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.terminate();
  }

  /** The run recorded so far, in Chrome's trace format (needs the `trace` option). */
  trace(): TraceDocument {
    return this.#tracing('trace()').document();
  }

  /** Write the run recorded so far to `path` as Chrome trace JSON (needs the `trace` option). */
  async writeTrace(path: string): Promise<void> {
    const trace = this.#tracing('writeTrace()');
    if (typeof path !== 'string' || path.trim() === '') throw new TypeError(expectedMessage('path', 'a non-empty file path', path));
    await Promise.resolve();
    trace.write(path);
  }

  toString(): string {
    return `<Pool state=${this.#state} processes=${this.#options.processes} pending=${this.#dispatcher.pending}>`;
  }

  #tracing(what: string): PoolTrace {
    if (this.#trace === null) {
      throw new ProcessStateError(`Pool.${what} needs a pool that records its run: create it with \`new Pool({ trace: true })\` (kept in memory) or \`new Pool({ trace: 'run.json' })\` (also written there when the pool ends).`);
    }
    return this.#trace;
  }

  // After join() or terminate(): the `trace` option's file, written again at each end (in order).
  #writeTrace(): Promise<void> {
    const path = this.#options.trace;
    if (this.#trace === null || typeof path !== 'string') return Promise.resolve();
    const trace = this.#trace;
    this.#written = this.#written.catch(() => undefined).then(() => {
      trace.write(path);
    });
    return this.#written;
  }

  // ---- calls --------------------------------------------------------------------------------

  #run(fn: AnyFunction, items: Input, options: CallOptions | undefined, star: boolean, what: string): Promise<unknown[]> {
    let call: Call;
    try {
      call = this.#startCall(fn, items, options, star, true, what);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return call.collect();
  }

  async *#iterate(fn: AnyFunction, items: Input, options: CallOptions | undefined, ordered: boolean, what: string): AsyncGenerator<unknown, void, undefined> {
    const call = this.#startCall(fn, items, options, false, ordered, what, 1, true);
    try {
      for await (const values of call.chunks()) yield* values;
    } finally {
      if (!call.finished) call.fail(new ProcessError(`${what} was abandoned by its consumer.`));
    }
  }

  #startCall(fn: AnyFunction, items: Input, options: CallOptions | undefined, star: boolean, ordered: boolean, what: string, defaultChunk?: number, streaming = false): Call {
    if (this.#state !== 'running') throw new ProcessStateError(`Cannot ${what}: the pool is ${this.#state === 'closed' ? 'closed' : 'terminated'}.`);
    if (typeof fn !== 'function') throw new TypeError(`Expected \`fn\` to be a function, got ${typeof fn}.`);
    const { chunksize, signal } = normalizeCallOptions(options);
    if (this.#dispatcher.broken !== null) throw this.#dispatcher.broken;
    const call = new Call(fn, { id: ++this.#callIds, star, ordered, deferErrors: streaming, what, onFail: (c) => this.#callFailed(c) });
    call.spec = this.#specOf(fn);
    this.#startWorkers(call.spec as CallSpec);
    if (signal?.aborted) throw signal.reason;
    this.#calls.add(call);
    this.#trace?.callStarted(call.id, `${what.slice(0, -2)}(${fn.name || 'anonymous'})`);
    if (signal !== undefined) {
      const onAbort = () => call.fail(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      const done = () => signal.removeEventListener('abort', onAbort);
      call.collectDone = done;
    }
    feedInput(items, {
      chunksize: chunksize ?? defaultChunk,
      processes: this.#options.processes,
      star,
      isFailed: () => call.stopped,
      onChunk: (index, start, chunk) => {
        if (!call.skips(index) && this.#state !== 'terminated') this.#dispatcher.enqueue(call, index, start, chunk);
      },
      onEnd: (total) => {
        call.finishInput(total);
        this.#settled(call);
      },
      onError: (error, at) => {
        // map() fails at once (as Python's list(iterable)); imap yields what came before.
        if (streaming) {
          call.endWithError(error, at);
          this.#settled(call);
        } else call.fail(error, at);
      },
    });
    return call;
  }

  // Under fork: the function's registry id (and reference, if exported); else its reference.
  #specOf(fn: AnyFunction): CallSpec {
    if (!this.#fork) {
      const spec = referenceFor(fn, 'fn');
      return { id: undefined, ref: spec.kind === 'ref' ? spec.ref : null };
    }
    // An exported function also reaches workers forked before it was first used, by reference.
    return { id: registeredId(fn) ?? registerFunction(fn), ref: tryReference(fn) };
  }

  #callFailed(call: Call): void {
    call.collectDone?.();
    if (this.#calls.delete(call)) this.#trace?.callEnded(call.id, call.failed);
    this.#checkIdle();
  }

  #settled(call: Call): void {
    if (call.finished || call.failed) {
      call.collectDone?.();
      if (this.#calls.delete(call)) this.#trace?.callEnded(call.id, call.failed);
      this.#checkIdle();
    }
  }

  // After close(): once nothing is queued or running, stop the workers and wake join().
  #checkIdle(): void {
    if (this.#state !== 'closed' || this.#calls.size > 0) return;
    if (this.#workers.list.some((w) => w.inflight.size > 0)) return;
    for (const worker of [...this.#workers.list]) {
      void new Promise<void>((resolve) => resolve(worker.conn.send({ t: 'stop' }))).catch(() => undefined);
      void this.#workers.retire(worker, 5000, 'stopped');
    }
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}

const poolClasses = new WeakMap<Context, typeof Pool>();

/** The Pool class of a context: its workers use that context's start method. */
export function poolClassFor(context: Context, isDefault: boolean): typeof Pool {
  if (isDefault) return Pool;
  let found = poolClasses.get(context);
  if (found === undefined) {
    found = class Pool extends BasePool {
      static override [kPoolContext]: Context | undefined = context;
    };
    poolClasses.set(context, found);
  }
  return found;
}

const BasePool = Pool;
