// Pool: Python's multiprocessing.Pool on this machine. Its calls (call-pool.ts: chunks, order,
// errors, abort) run on local worker processes (local-workers.ts); this file adds what only a
// local pool has: its processes, and with `trace` a PoolTrace (trace.ts) of the run.
import type { Context } from '../context.ts';
import { ProcessStateError } from '../errors.ts';
import { expectedMessage } from '../options.ts';
import { CallPool } from './call-pool.ts';
import type { CallSpec } from './worker-handle.ts';
import { LocalWorkers } from './local-workers.ts';
import { normalizePoolOptions, type NormalizedPoolOptions } from './options.ts';
import { PoolTrace, type TraceDocument } from './trace.ts';
import type { StartMethod } from '../start-methods.ts';

/** Options of `new Pool()`, as Python's Pool(processes, initializer, initargs, maxtasksperchild, context). */
export interface PoolOptions {
  /** Number of worker processes (default: availableParallelism(), the CPUs this process may use). */
  processes?: number;
  /** Called in each worker once, before its first task (exported function under spawn/forkserver). */
  initializer?: (...args: any[]) => unknown;
  /** Arguments of `initializer`. */
  initargs?: unknown[];
  /** A worker ends and is replaced after this many tasks (a chunk counts as one task). */
  maxTasksPerChild?: number;
  /** A start method name or a Context (default: the default context). */
  context?: StartMethod | Context;
  /**
   * Record the run as a Chrome trace (Perfetto, chrome://tracing): `true` keeps it in memory
   * (`pool.trace()`, `pool.writeTrace(path)`); a file path also writes it there when join() or
   * terminate() (or `await using`) ends the pool. `false`/undefined: no recording.
   */
  trace?: string | boolean;
}

/** Internal: the context a context's Pool class defaults to. */
export const kPoolContext = Symbol.for('multiproc.pool.context');

/**
 * A pool of worker processes (Python's multiprocessing.Pool): apply, map, starmap, imap,
 * imapUnordered; events 'workerCreate', 'workerExit', 'drain'; `completed`, `queueSize`,
 * `utilization`.
 * @throws {TypeError} / {RangeError} for bad options (house format: names the option).
 * @throws {BootstrapError} when created from a module's top level while a child imports it.
 * @throws {SerializationError} when `initargs` cannot travel to a spawned or fork-server worker.
 * A call rejects with the task's own error (its type and fields kept), a {WorkerLostError} when
 * the worker running it died, a {ProcessStateError} after close()/terminate().
 * @example
 * import { isMain, Pool } from 'multiproc';
 * export function square(x: number) { return x * x; }
 * if (isMain(import.meta)) {
 *   await using pool = new Pool({ processes: 4 });
 *   console.log(await pool.map(square, [1, 2, 3], { onProgress: (done, total) => console.log(`${done}/${total}`) }));
 * }
 */
export class Pool extends CallPool<CallSpec> {
  static [kPoolContext]: Context | undefined;
  readonly #options: NormalizedPoolOptions;
  readonly #local: LocalWorkers;
  readonly #trace: PoolTrace | null;
  #written: Promise<void> = Promise.resolve();
  readonly #createdAt = performance.now();

  constructor(options: PoolOptions = {}) {
    const own = (options as { context?: unknown } | undefined)?.context;
    const withContext =
      own === undefined && new.target[kPoolContext] !== undefined ? { ...options, context: new.target[kPoolContext] } : options;
    const normalized = normalizePoolOptions(withContext);
    const trace = normalized.trace === undefined ? null : new PoolTrace(normalized.context.getStartMethod(), normalized.processes);
    let local: LocalWorkers | undefined;
    super((hooks) => (local = new LocalWorkers(normalized, trace, hooks)), trace);
    this.#options = normalized;
    this.#local = local as unknown as LocalWorkers;
    this.#trace = trace;
  }

  /** Number of worker processes the pool keeps. */
  get processes(): number {
    return this.#options.processes;
  }

  /** The live workers' pids (for tests and monitoring). */
  get pids(): number[] {
    this.#local.begin(null);
    return this.#local.workers.list.filter((w) => !w.gone).map((w) => w.process.pid ?? 0);
  }

  /**
   * The share of the workers' time spent running tasks since the pool was created, 0 to 1
   * (piscina's `utilization`): the time from when each batch could start to its answer, as the
   * parent sees it, over `processes` × the pool's age.
   */
  get utilization(): number {
    const elapsed = performance.now() - this.#createdAt;
    return elapsed <= 0 ? 0 : Math.min(1, this.#local.runTimeMs / (elapsed * this.#options.processes));
  }

  /** After close() (or terminate()): resolves once every task finished and every worker ended. */
  override async join(options: { signal?: AbortSignal } = {}): Promise<void> {
    await super.join(options);
    await this.#writeTrace();
  }

  /** End every worker now (SIGTERM, then SIGKILL after 1 s); pending tasks reject. Resolves once all are gone. */
  override async terminate(): Promise<void> {
    await super.terminate();
    await this.#writeTrace();
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

  override toString(): string {
    return `<Pool state=${this.state} processes=${this.#options.processes} pending=${this.#local.pending}>`;
  }

  #tracing(what: string): PoolTrace {
    if (this.#trace === null) {
      throw new ProcessStateError(
        `Pool.${what} needs a pool that records its run: create it with \`new Pool({ trace: true })\` (kept in memory) ` +
          "or `new Pool({ trace: 'run.json' })` (also written there when the pool ends).",
      );
    }
    return this.#trace;
  }

  // After join() or terminate(): the `trace` option's file, written again at each end (in order).
  #writeTrace(): Promise<void> {
    const path = this.#options.trace;
    if (this.#trace === null || typeof path !== 'string') return Promise.resolve();
    const trace = this.#trace;
    this.#written = this.#written
      .catch(() => undefined)
      .then(() => {
        trace.write(path);
      });
    return this.#written;
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
