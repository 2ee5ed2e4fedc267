// Pool: Python's multiprocessing.Pool. Calls are cut into tasks (chunks) queued in FIFO order;
// each worker holds at most two tasks at a time (one running, one waiting in its pipe), so a
// worker never idles between chunks. A worker that dies is noticed when its pipe ends while it
// holds tasks: those reject with WorkerLostError and a replacement starts (bpo-22393 hangs).
import { Pipe } from '../connection/index.ts';
import type { Context } from '../context.ts';
import { ProcessError, ProcessStateError, SerializationError, WorkerLostError } from '../errors.ts';
import { serialize } from 'node:v8';
import { Call, type Task } from './call.ts';
import { feedInput, type Input } from './feed.ts';
import { referenceFor, registeredId, registerFunction, registryMark, tryReference } from './functions.ts';
import type { FnSpec, FromWorker } from './messages.ts';
import { normalizeCallOptions, normalizePoolOptions, type CallOptions, type NormalizedPoolOptions, type PoolOptions } from './options.ts';
import { pack, unpack } from './packing.ts';
import { fromWireError } from './remote-error.ts';
import { WorkerHandle } from './worker-handle.ts';
import { poolWorker } from './worker.ts';
import type { TargetRef } from '../target.ts';

type AnyFunction = (...args: never[]) => unknown;
type State = 'running' | 'closed' | 'terminated';

const PREFIX = { spawn: 'Spawn', fork: 'Fork', forkserver: 'ForkServer' } as const;
const MAX_BATCHES = 2;
const MAX_BATCH = 64;

/** Internal: the context a context's Pool class defaults to. */
export const kPoolContext = Symbol('multiproc.pool.context');

/** A pool of worker processes (Python's multiprocessing.Pool). */
export class Pool {
  static [kPoolContext]: Context | undefined;
  readonly #options: NormalizedPoolOptions;
  readonly #fork: boolean;
  readonly #initializer: FnSpec | null = null;
  readonly #workers: WorkerHandle[] = [];
  readonly #queue: (Task | undefined)[] = [];
  #head = 0;
  #state: State = 'running';
  #taskIds = 0;
  #calls = new Set<Call>();
  #broken: Error | null = null;
  #exits = new Set<Promise<unknown>>();
  #idleWaiters: (() => void)[] = [];

  constructor(options: PoolOptions = {}) {
    const own = (options as { context?: unknown } | undefined)?.context;
    const withContext = own === undefined && new.target[kPoolContext] !== undefined ? { ...options, context: new.target[kPoolContext] } : options;
    this.#options = normalizePoolOptions(withContext);
    const method = this.#options.context.getStartMethod();
    this.#fork = method === 'fork';
    const init = this.#options.initializer;
    if (init !== undefined) this.#initializer = this.#fork ? { kind: 'id', id: registerFunction(init) } : referenceFor(init, 'initializer');
    for (let i = 0; i < this.#options.processes; i++) this.#startWorker();
  }

  /** Number of worker processes the pool keeps. */
  get processes(): number {
    return this.#options.processes;
  }

  /** The live workers' pids (for tests and monitoring). */
  get pids(): number[] {
    return this.#workers.filter((w) => !w.gone).map((w) => w.process.pid ?? 0);
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
    if (this.#state === 'running') this.#state = 'closed';
    this.#checkIdle();
  }

  /** After close() (or terminate()): resolves once every task finished and every worker ended. */
  async join(): Promise<void> {
    if (this.#state === 'running') throw new ProcessStateError('Pool.join() needs close() or terminate() first (the pool is still running).');
    if (this.#state === 'closed') {
      await new Promise<void>((resolve) => {
        this.#idleWaiters.push(resolve);
        this.#checkIdle();
      });
    }
    while (this.#exits.size > 0) await Promise.all([...this.#exits]);
  }

  /** End every worker now (SIGTERM, then SIGKILL after 1 s); pending tasks reject. Resolves once all are gone. */
  async terminate(): Promise<void> {
    if (this.#state !== 'terminated') {
      this.#state = 'terminated';
      const error = new ProcessError('The pool was terminated before this task finished.');
      for (const call of [...this.#calls]) call.fail(error);
      this.#queue.length = 0;
      this.#head = 0;
      for (const worker of [...this.#workers]) {
        try {
          if (worker.process.exitCode === null) worker.process.terminate();
        } catch {
          // already reaped
        }
        void this.#retire(worker, 1000);
      }
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
    while (this.#exits.size > 0) await Promise.all([...this.#exits]);
  }

  /** terminate(), for `await using` (as Python's `with Pool() as pool`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.terminate();
  }

  toString(): string {
    return `<Pool state=${this.#state} processes=${this.#options.processes} pending=${this.#queue.length - this.#head}>`;
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
    if (this.#broken !== null) throw this.#broken;
    const call = new Call(fn, { star, ordered, what, onFail: (c) => this.#callFailed(c) });
    call.spec = this.#specOf(fn);
    if (signal?.aborted) throw signal.reason;
    this.#calls.add(call);
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
      isFailed: () => call.failed,
      onChunk: (index, start, chunk) => this.#enqueue(call, index, start, chunk),
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
  #specOf(fn: AnyFunction): { id: number | undefined; ref: TargetRef | null } {
    if (!this.#fork) {
      const spec = referenceFor(fn, 'fn');
      return { id: undefined, ref: spec.kind === 'ref' ? spec.ref : null };
    }
    // An exported function also reaches workers forked before it was first used, by reference.
    return { id: registeredId(fn) ?? registerFunction(fn), ref: tryReference(fn) };
  }

  #fnFor(worker: WorkerHandle, call: Call): FnSpec | null {
    const spec = call.spec as { id: number | undefined; ref: TargetRef | null };
    if (spec.id !== undefined && spec.id < worker.knownUpTo) return { kind: 'id', id: spec.id };
    if (spec.ref !== null) return { kind: 'ref', ref: spec.ref };
    return null;
  }

  #enqueue(call: Call, index: number, start: number, items: unknown[]): void {
    if (call.failed || this.#state === 'terminated') return;
    this.#queue.push({ id: this.#taskIds++, call, index, start, items });
    this.#pump();
  }

  #callFailed(call: Call): void {
    call.collectDone?.();
    this.#calls.delete(call);
    this.#checkIdle();
  }

  #settled(call: Call): void {
    if (call.finished || call.failed) {
      call.collectDone?.();
      this.#calls.delete(call);
      this.#checkIdle();
    }
  }

  // ---- dispatch -----------------------------------------------------------------------------

  #pump(): void {
    while (this.#head < this.#queue.length) {
      const task = this.#queue[this.#head];
      if (task === undefined || task.call.failed) {
        this.#queue[this.#head++] = undefined;
        continue;
      }
      if (this.#broken !== null) {
        task.call.fail(this.#broken);
        continue;
      }
      let chosen: WorkerHandle | null = null;
      let chosenSpec: FnSpec | null = null;
      let stale: WorkerHandle | null = null;
      for (const worker of [...this.#workers]) {
        if (worker.gone || worker.batches >= MAX_BATCHES) continue;
        if (worker.inflight.size === 0 && worker.process.exitCode !== null) {
          void this.#retire(worker, 0); // died while idle: replace it before giving it work
          continue;
        }
        const max = this.#options.maxTasksPerChild;
        if (max !== undefined && worker.dispatched >= max) continue;
        const spec = this.#fnFor(worker, task.call);
        if (spec === null) {
          if (worker.inflight.size === 0) stale = worker;
          continue;
        }
        if (chosen === null || worker.batches < chosen.batches || (worker.batches === chosen.batches && worker.inflight.size < chosen.inflight.size)) {
          chosen = worker;
          chosenSpec = spec;
        }
      }
      if (chosen === null || chosenSpec === null) {
        // A fork worker forked before this function existed cannot run it: replace an idle one.
        if (stale !== null) {
          void stale.conn.send({ t: 'stop' }).catch(() => undefined);
          void this.#retire(stale, 5000);
          continue;
        }
        break;
      }
      this.#queue[this.#head++] = undefined;
      // Small tasks of one call travel together (fewer messages); a fair share of what waits.
      const max = this.#options.maxTasksPerChild;
      let limit = Math.min(MAX_BATCH, Math.ceil((this.#queue.length - this.#head) / (2 * this.#options.processes)));
      if (max !== undefined) limit = Math.min(limit, max - chosen.dispatched - 1);
      const batch: [Task, ...Task[]] = [task];
      while (batch.length <= limit && this.#head < this.#queue.length) {
        const next = this.#queue[this.#head];
        if (next === undefined || next.call !== task.call) break;
        batch.push(next);
        this.#queue[this.#head++] = undefined;
      }
      this.#dispatch(chosen, chosenSpec, batch);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
  }

  #dispatch(worker: WorkerHandle, fn: FnSpec, batch: [Task, ...Task[]]): void {
    for (const task of batch) worker.inflight.set(task.id, task);
    worker.dispatched += batch.length;
    worker.batches++;
    worker.batchList.push(batch);
    const tasks = batch.map((task) => ({ t: 'task' as const, id: task.id, fn, star: task.call.star, items: task.call.star ? task.items : pack(task.items) }));
    worker.conn.send({ t: 'batch', tasks }).catch((error: unknown) => {
      if (!(error instanceof SerializationError)) return; // a dead worker: the reader reports it
      worker.batches--;
      worker.batchList.splice(worker.batchList.indexOf(batch), 1);
      for (const task of batch) worker.inflight.delete(task.id);
      const culprit = batch.find((task) => !cloneable(task.items)) ?? batch[0];
      culprit.call.fail(argumentError(culprit, error), culprit.index);
      this.#afterTask(worker);
    });
    if (!worker.reading) void this.#read(worker);
  }

  async #read(worker: WorkerHandle): Promise<void> {
    worker.reading = true;
    try {
      while (worker.inflight.size > 0 && !worker.gone) {
        let message: FromWorker;
        try {
          message = await worker.conn.recv<FromWorker>();
        } catch (error) {
          this.#lost(worker, error);
          return;
        }
        this.#handle(worker, message);
      }
    } finally {
      worker.reading = false;
    }
  }

  #handle(worker: WorkerHandle, message: FromWorker): void {
    if (message.t === 'init-failed') {
      const cause = fromWireError(message.error);
      this.#broken = new ProcessError(`The pool's initializer failed in ${worker.describe()}: ${cause.message}. No task can run; fix the initializer and create a new Pool.`, {
        cause,
        ...(worker.process.pid === undefined ? {} : { pid: worker.process.pid }),
      });
      const held = [...worker.inflight.values()];
      worker.inflight.clear();
      for (const task of held) task.call.fail(this.#broken);
      for (const call of [...this.#calls]) call.fail(this.#broken);
      void this.#retire(worker, 5000);
      return;
    }
    worker.batches--;
    worker.batchList.shift();
    for (const result of message.list) {
      const task = worker.inflight.get(result.id);
      if (task === undefined) continue;
      worker.inflight.delete(result.id);
      if (result.ok) task.call.deliver(task.index, unpack(result.values));
      else task.call.fail(fromWireError(result.error, `Pool.${task.call.what}`), task.index);
      this.#settled(task.call);
    }
    this.#afterTask(worker);
  }

  #afterTask(worker: WorkerHandle): void {
    const max = this.#options.maxTasksPerChild;
    if (max !== undefined && worker.dispatched >= max && worker.inflight.size === 0) void this.#retire(worker, 5000); // it ends by itself
    this.#pump();
    this.#checkIdle();
  }

  // The worker's pipe ended while it held tasks: it died (or closed its end). Reject what it held.
  #lost(worker: WorkerHandle, cause: unknown): void {
    if (worker.gone) return;
    // Batches run in order: only the oldest had started; the others go back to the queue's head.
    const held = worker.batchList[0] ?? [];
    const unstarted = worker.batchList.slice(1).flat();
    worker.batchList.length = 0;
    worker.inflight.clear();
    if (unstarted.length > 0) this.#queue.splice(this.#head, 0, ...unstarted);
    const pid = worker.process.pid;
    const name = worker.describe();
    const exit = this.#retire(worker, 2000);
    void exit.then(({ exitCode, signal }) => {
      const how = signal !== null ? `was killed by ${signal}` : exitCode !== null ? `exited with code ${exitCode}` : 'closed its pipe';
      for (const task of held) {
        const error = new WorkerLostError(
          `Pool worker ${name} ${how} while running task ${task.id} (${task.call.what}, items ${task.start}..${task.start + task.items.length - 1}); the worker was replaced.`,
          { cause, exitCode, signal, ...(pid === undefined ? {} : { pid }) },
        );
        task.call.fail(error, task.index);
      }
      this.#pump();
    });
  }

  // ---- workers ------------------------------------------------------------------------------

  #startWorker(): void {
    const ctx = this.#options.context;
    const [parentEnd, childEnd] = Pipe();
    const knownUpTo = registryMark();
    const process = new ctx.Process({
      target: poolWorker,
      args: [childEnd, this.#initializer, this.#options.initargs, this.#options.maxTasksPerChild ?? 0],
      daemon: true,
    });
    process.name = PREFIX[ctx.getStartMethod()] + process.name.replace('Process', 'PoolWorker');
    try {
      process.start();
    } finally {
      childEnd.close(); // only the worker holds it now: its end of file is the worker's death
    }
    this.#workers.push(new WorkerHandle(process, parentEnd, knownUpTo));
  }

  // Remove a worker from the pool, reap it in the background, and start a replacement.
  #retire(worker: WorkerHandle, timeoutMs: number): Promise<{ exitCode: number | null; signal: string | null }> {
    worker.gone = true;
    const at = this.#workers.indexOf(worker);
    if (at >= 0) this.#workers.splice(at, 1);
    const exit = worker.reap(timeoutMs).finally(() => {
      worker.conn.close();
      this.#exits.delete(exit);
      // A fork worker forked before this one was reaped would inherit its exit watcher (see
      // docs/DECISIONS.md, Pool): under fork the replacement waits for the reap.
      if (this.#fork) {
        this.#replenish();
        this.#pump();
      }
    });
    this.#exits.add(exit);
    if (!this.#fork) this.#replenish();
    return exit;
  }

  #replenish(): void {
    if (this.#state === 'terminated' || this.#broken !== null) return;
    if (this.#state === 'closed' && this.#queue.length <= this.#head) return;
    while (this.#workers.length < this.#options.processes) this.#startWorker();
  }

  // After close(): once nothing is queued or running, stop the workers and wake join().
  #checkIdle(): void {
    if (this.#state !== 'closed' || this.#calls.size > 0) return;
    if (this.#workers.some((w) => w.inflight.size > 0)) return;
    for (const worker of [...this.#workers]) {
      void worker.conn.send({ t: 'stop' }).catch(() => undefined);
      void this.#retire(worker, 5000);
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

function cloneable(value: unknown): boolean {
  try {
    serialize(value);
    return true;
  } catch {
    return false;
  }
}

function argumentError(task: Task, error: SerializationError): SerializationError {
  let at = 0;
  for (; at < task.items.length; at++) {
    try {
      serialize(task.items[at]);
    } catch {
      break;
    }
  }
  const position = task.start + Math.min(at, task.items.length - 1);
  const cause = (error.cause as Error | undefined)?.message ?? error.message;
  return new SerializationError(`items[${position}]`, `${task.call.what}: item ${position} cannot be sent to a pool worker: ${cause}`, { cause: error });
}
