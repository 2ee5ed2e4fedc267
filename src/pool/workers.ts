// The pool's worker processes: starting them (each with its own Pipe), retiring them (reaped in
// the background, recorded in the trace), and starting replacements while the pool wants them.
import { logAt, LogLevel } from '../log.ts';
import type { PoolWorkerExit, PoolWorkerExitReason, PoolWorkerInfo } from './events.ts';
import { socketPipe } from '../connection/pipe.ts';
import { kNeverSpin } from '../connection/connection.ts';
import { startMethodImpl } from '../launcher/registry.ts';
import type { ProcessSource } from '../process-classes.ts';
import { registryMark } from './functions.ts';
import type { FnSpec } from './messages.ts';
import { monotonicMicros, type PoolTrace } from './trace.ts';
import { WorkerHandle } from './worker-handle.ts';
import { poolWorker } from './worker.ts';

const PREFIX = { spawn: 'Spawn', fork: 'Fork', forkserver: 'ForkServer' } as const;

/** Why a worker leaves the pool (`died`, `died idle`: not asked to). */
export type RetireReason = PoolWorkerExitReason;

/** How a worker ended. */
export interface WorkerExit {
  exitCode: number | null;
  signal: string | null;
}

/** What the workers need to know about the pool. */
export interface WorkerSetOptions {
  context: ProcessSource;
  processes: number;
  initializer: FnSpec | null;
  initargs: unknown[];
  maxTasksPerChild: number | undefined;
  trace: PoolTrace | null;
  /** True while the pool wants replacements for retired workers. */
  wanted(): boolean;
  /** Under fork, a replacement starts only after the reap: then the pool dispatches again. */
  afterReap(): void;
  /** A worker started ('workerCreate'). */
  created(worker: PoolWorkerInfo): void;
  /** A worker ended and was reaped ('workerExit'). */
  exited(worker: PoolWorkerExit): void;
}

/** The live workers of one pool, and the exits still being reaped. */
export class WorkerSet {
  readonly list: WorkerHandle[] = [];
  readonly #options: WorkerSetOptions;
  readonly #fork: boolean;
  readonly #exits = new Set<Promise<unknown>>();
  readonly #vacated: { worker: number; reason: string }[] = [];
  #started = 0;

  constructor(options: WorkerSetOptions) {
    this.#options = options;
    this.#fork = startMethodImpl(options.context.getStartMethod()).copiesMemory;
  }

  /** Start one worker. */
  start(): void {
    const { context: ctx, trace } = this.#options;
    // No shared-memory lane: the pool's connections never spin, so a lane would only add a record
    // and a wake frame per message, and the worker a mapping to attach (docs/DECISIONS.md, Pool).
    const [parentEnd, childEnd] = socketPipe();
    parentEnd[kNeverSpin]();
    const knownUpTo = registryMark();
    const process = new ctx.Process({
      target: poolWorker,
      args: [childEnd, this.#options.initializer, this.#options.initargs, this.#options.maxTasksPerChild ?? 0, trace !== null],
      daemon: true,
    });
    process.name = PREFIX[ctx.getStartMethod()] + process.name.replace('Process', 'PoolWorker');
    const startedAt = trace === null ? 0 : monotonicMicros();
    try {
      process.start();
    } finally {
      childEnd.close(); // only the worker holds it now: its end of file is the worker's death
    }
    const worker = new WorkerHandle(process, parentEnd, knownUpTo, ++this.#started);
    this.list.push(worker);
    if (trace !== null) {
      worker.startedAt = startedAt;
      trace.workerStarted(worker.seq, process.pid ?? 0, startedAt, monotonicMicros(), this.#vacated.shift());
    }
    this.#options.created({ name: process.name, pid: process.pid ?? 0 });
  }

  // Remove a worker from the pool, reap it in the background, and start a replacement.
  retire(worker: WorkerHandle, timeoutMs: number, reason: RetireReason): Promise<WorkerExit> {
    worker.gone = true;
    logAt(LogLevel.INFO, 'pool worker %s retired (%s)', worker.process.name, reason);
    const at = this.list.indexOf(worker);
    if (at >= 0) this.list.splice(at, 1);
    const record = this.#options.trace === null ? null : this.#record(worker, reason);
    const { name } = worker.process;
    const pid = worker.process.pid ?? 0;
    const exit = worker.reap(timeoutMs).then((result) => {
      record?.(result);
      this.#options.exited({ name, pid, ...result, reason });
      return result;
    });
    const settled = exit.finally(() => {
      worker.conn.close();
      this.#exits.delete(settled);
      // A fork worker forked before this one was reaped would inherit its exit watcher (see
      // docs/DECISIONS.md, Pool): under fork the replacement waits for the reap.
      if (this.#fork) {
        this.replenish();
        this.#options.afterReap();
      }
    });
    this.#exits.add(settled);
    if (!this.#fork) this.replenish();
    return settled;
  }

  /** Start workers until the pool has its number again (if it wants them). */
  replenish(): void {
    if (!this.#options.wanted()) return;
    while (this.list.length < this.#options.processes) this.start();
  }

  /** Resolves once every retired worker was reaped (retirements during the wait included). */
  async reaped(): Promise<void> {
    while (this.#exits.size > 0) await Promise.all([...this.#exits]);
  }

  // Trace what the worker held (a batch it was running), its last idle wait, and its end.
  #record(worker: WorkerHandle, reason: RetireReason): (exit: WorkerExit) => void {
    const trace = this.#options.trace as PoolTrace;
    const now = monotonicMicros();
    const pid = worker.process.pid ?? 0;
    const oldest = worker.batches[0];
    const held = oldest?.tasks ?? [];
    const first = held[0];
    if (first !== undefined) {
      const start = Math.max(worker.startedAt, worker.busyUntil, oldest?.sentAt ?? 0);
      const tasks = held.map((task) => ({
        task: task.id,
        call: task.call.id,
        method: task.call.what,
        first: task.start,
        count: task.items.length,
      }));
      trace.lostTask(worker.seq, {
        name: first.call.fn.name || 'anonymous',
        start,
        end: now,
        args: { pid, tasks, note: 'start estimated: the worker died before reporting it' },
      });
    } else if (worker.busyUntil > 0) trace.idle(worker.seq, worker.busyUntil, now);
    const died = reason === 'died' || reason === 'died idle';
    if (reason !== 'stopped' && reason !== 'terminated') this.#vacated.push({ worker: worker.seq, reason });
    return ({ exitCode, signal }) => {
      const lost = held.map((task) => task.id);
      trace.workerEnded(worker.seq, died ? now : monotonicMicros(), died, {
        pid,
        reason,
        exitCode,
        signal,
        ...(died ? { lostTasks: lost } : {}),
      });
    };
  }
}
