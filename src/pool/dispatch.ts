// The pool's task queue and its dispatch: tasks (chunks) wait in FIFO order; each worker holds
// at most two batches (one running, one waiting in its pipe), so a worker never idles between
// chunks; a worker that has not answered yet (still starting) holds one, so the workers that are
// running take the rest meanwhile. Results are read from a worker only while it holds tasks. A
// worker whose pipe ends while it holds tasks died: the running batch rejects with
// WorkerLostError, the batch behind it goes back to the queue's head, and a replacement starts
// (bpo-22393 hangs).
import { serialize } from 'node:v8';
import { itemError } from './argument-error.ts';
import { ProcessError, SerializationError, WorkerLostError } from '../errors.ts';
import type { Call } from './call.ts';
import type { FnSpec, FromWorker, ResultsMessage } from './messages.ts';
import { pack, unpack } from './packing.ts';
import { fromWireError } from './remote-error.ts';
import { monotonicMicros, type PoolTrace } from './trace.ts';
import type { Batch, CallSpec, Task, WorkerHandle } from './worker-handle.ts';
import type { CallHooks } from './worker-layer.ts';
import type { WorkerSet } from './workers.ts';

const MAX_BATCHES = 2;
/** Batches a worker that has not answered yet may hold: it may still be starting, and work given to it waits. */
const MAX_BATCHES_UNPROVEN = 1;
const MAX_BATCH = 64;

/** What the dispatcher tells the pool. */
export type DispatchHooks = Pick<CallHooks, 'settled' | 'checkIdle' | 'failAll'>;

/** The worker a task goes to, and how its function reaches that worker. */
interface Choice {
  worker: WorkerHandle;
  fn: FnSpec;
}

/** The queue of tasks and their dispatch to the workers. */
export class Dispatcher {
  /** Set once the initializer failed: no task can run. */
  broken: Error | null = null;
  readonly #queue: (Task | undefined)[] = [];
  #head = 0;
  #taskIds = 0;
  readonly #workers: WorkerSet;
  readonly #processes: number;
  readonly #maxTasksPerChild: number | undefined;
  readonly #trace: PoolTrace | null;
  readonly #hooks: DispatchHooks;
  #runTime = 0;

  constructor(
    workers: WorkerSet,
    options: { processes: number; maxTasksPerChild: number | undefined; trace: PoolTrace | null },
    hooks: DispatchHooks,
  ) {
    this.#workers = workers;
    this.#processes = options.processes;
    this.#maxTasksPerChild = options.maxTasksPerChild;
    this.#trace = options.trace;
    this.#hooks = hooks;
  }

  /** Queued entries not dispatched yet (skipped ones included). */
  get pending(): number {
    return this.#queue.length - this.#head;
  }

  /** Milliseconds workers spent on the batches answered so far (from when each could start to its answer). */
  get runTimeMs(): number {
    return this.#runTime;
  }

  /**
   * End the workers running a task of `call` now (SIGTERM, then SIGKILL after 1 s); replacements
   * start. Other calls' tasks queued behind in their pipes go back to the queue's head.
   */
  cancelRunning(call: Call): void {
    for (const worker of [...this.#workers.list]) {
      if (worker.batches[0]?.tasks[0].call !== call) continue;
      const unstarted = worker.batches
        .slice(1)
        .flatMap((batch) => batch.tasks)
        .filter((task) => task.call !== call);
      try {
        if (worker.process.exitCode === null) worker.process.terminate();
      } catch {
        // already reaped
      }
      void this.#workers.retire(worker, 1000, 'cancelled'); // records the running batch in the trace
      worker.batches.length = 0;
      worker.inflight.clear();
      if (unstarted.length > 0) this.#queue.splice(this.#head, 0, ...unstarted);
    }
    this.pump();
    this.#hooks.checkIdle();
  }

  /** Queue one chunk of `call` and dispatch what can go. */
  enqueue(call: Call, route: CallSpec, index: number, start: number, items: unknown[]): void {
    this.#queue.push({ id: this.#taskIds++, call, route, index, start, items });
    this.pump();
  }

  /** Drop every queued task (terminate). */
  clear(): void {
    this.#queue.length = 0;
    this.#head = 0;
  }

  /** Give queued tasks to workers with room for a batch. */
  pump(): void {
    while (this.#head < this.#queue.length) {
      const task = this.#queue[this.#head];
      if (task === undefined || task.call.skips(task.index)) {
        this.#queue[this.#head++] = undefined;
        continue;
      }
      if (this.broken !== null) {
        task.call.fail(this.broken);
        continue;
      }
      const choice = this.#choose(task);
      if (choice === 'again') continue;
      if (choice === null) break;
      this.#queue[this.#head++] = undefined;
      this.#dispatch(choice, this.#batchFrom(task, choice.worker));
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
  }

  // The least busy worker that can run `task` now; null: none; 'again': one was retired, look again.
  #choose(task: Task): Choice | 'again' | null {
    let chosen: Choice | null = null;
    let stale: WorkerHandle | null = null;
    for (const worker of [...this.#workers.list]) {
      if (worker.gone || worker.batches.length >= (worker.answeredAt === 0 ? MAX_BATCHES_UNPROVEN : MAX_BATCHES)) continue;
      if (worker.inflight.size === 0 && worker.process.exitCode !== null) {
        void this.#workers.retire(worker, 0, 'died idle'); // replace it before giving it work
        continue;
      }
      const max = this.#maxTasksPerChild;
      if (max !== undefined && worker.dispatched >= max) continue;
      const fn = fnFor(worker, task.route);
      if (fn === null) {
        if (worker.inflight.size === 0) stale = worker;
        continue;
      }
      const load = worker.batches.length;
      if (
        chosen === null ||
        load < chosen.worker.batches.length ||
        (load === chosen.worker.batches.length && worker.inflight.size < chosen.worker.inflight.size)
      )
        chosen = { worker, fn };
    }
    if (chosen !== null) return chosen;
    // A fork worker forked before this function existed cannot run it: replace an idle one.
    if (stale === null) return null;
    void new Promise<void>((resolve) => resolve(stale.conn.send({ t: 'stop' }))).catch(() => undefined);
    void this.#workers.retire(stale, 5000, 'stale');
    return 'again';
  }

  // Small tasks of one call travel together (fewer messages): `first` and up to a fair share of what waits behind it.
  #batchFrom(first: Task, worker: WorkerHandle): [Task, ...Task[]] {
    const max = this.#maxTasksPerChild;
    let limit = Math.min(MAX_BATCH, Math.ceil((this.#queue.length - this.#head) / (2 * this.#processes)));
    if (max !== undefined) limit = Math.min(limit, max - worker.dispatched - 1);
    const batch: [Task, ...Task[]] = [first];
    while (batch.length <= limit && this.#head < this.#queue.length) {
      const next = this.#queue[this.#head];
      if (next === undefined || next.call !== first.call || next.call.skips(next.index)) break;
      batch.push(next);
      this.#queue[this.#head++] = undefined;
    }
    return batch;
  }

  #dispatch({ worker, fn }: Choice, tasks: [Task, ...Task[]]): void {
    for (const task of tasks) worker.inflight.set(task.id, task);
    worker.dispatched += tasks.length;
    const batch: Batch = { tasks, sentAt: this.#trace === null ? 0 : monotonicMicros(), queuedAt: performance.now() };
    worker.batches.push(batch);
    const messages = tasks.map((task) => ({
      t: 'task' as const,
      id: task.id,
      fn,
      star: task.call.star,
      items: task.call.star ? task.items : pack(task.items),
    }));
    // send() throws a task that cannot be cloned at the call (sending nothing): handled as a rejection.
    new Promise<void>((resolve) => resolve(worker.conn.send({ t: 'batch', tasks: messages }))).catch((error: unknown) => {
      if (!(error instanceof SerializationError)) return; // a dead worker: the reader reports it
      worker.batches.splice(worker.batches.indexOf(batch), 1);
      for (const task of tasks) worker.inflight.delete(task.id);
      const culprit = tasks.find((task) => taskError(task) !== null) ?? tasks[0];
      culprit.call.fail(taskError(culprit) ?? argumentError(culprit, error), culprit.index);
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
        if (worker.gone) return; // cancelled (cancelRunning): what it held was dropped
        this.#handle(worker, message);
      }
    } finally {
      worker.reading = false;
    }
  }

  /** No task can run any more: every call fails with `error`, and so does every later one. */
  breakAll(error: Error): void {
    this.broken = error;
    this.#hooks.failAll(error);
  }

  #handle(worker: WorkerHandle, message: FromWorker): void {
    if (message.t === 'init-failed') {
      const cause = fromWireError(message.error);
      this.broken = new ProcessError(
        `The pool's initializer failed in ${worker.describe()}: ${cause.message}. No task can run; fix the initializer and create a new Pool.`,
        {
          cause,
          ...(worker.process.pid === undefined ? {} : { pid: worker.process.pid }),
        },
      );
      this.#trace?.poolEvent('initializer failed', { worker: worker.seq, pid: worker.process.pid ?? 0, error: cause.message });
      const held = [...worker.inflight.values()];
      worker.inflight.clear();
      for (const task of held) task.call.fail(this.broken);
      this.breakAll(this.broken);
      void this.#workers.retire(worker, 5000, 'initializer failed');
      return;
    }
    if (this.#trace !== null) this.#traceResults(this.#trace, worker, message);
    const answered = worker.batches.shift();
    if (answered !== undefined) {
      const now = performance.now();
      this.#runTime += now - Math.max(answered.queuedAt, worker.answeredAt);
      worker.answeredAt = now;
    }
    for (const result of message.list) {
      const task = worker.inflight.get(result.id);
      if (task === undefined) continue;
      worker.inflight.delete(result.id);
      if (result.ok) task.call.deliver(task.index, unpack(result.values));
      else task.call.fail(fromWireError(result.error, `Pool.${task.call.what}`), task.index);
      this.#hooks.settled(task.call);
    }
    this.#afterTask(worker);
  }

  // The worker's own times: its start-up (first batch), its wait for this batch, each task.
  #traceResults(trace: PoolTrace, worker: WorkerHandle, message: ResultsMessage): void {
    const pid = worker.process.pid ?? 0;
    const times = message.trace;
    if (times?.ready !== undefined) trace.workerReady(worker.seq, worker.startedAt, times.ready[0], times.ready[1], pid);
    if (times !== undefined) trace.idle(worker.seq, times.wait[0], times.wait[1]);
    for (const result of message.list) {
      const task = worker.inflight.get(result.id);
      if (task === undefined || result.at === undefined) continue;
      const { call } = task;
      const args: Record<string, unknown> = {
        call: call.id,
        method: call.what,
        task: task.id,
        chunk: task.index,
        first: task.start,
        count: task.items.length,
        pid,
      };
      if (!result.ok) args.error = `${result.error.name}: ${result.error.message}`;
      trace.task(worker.seq, { name: call.fn.name || 'anonymous', start: result.at[0], end: result.at[1], args });
      worker.busyUntil = result.at[1];
    }
  }

  #afterTask(worker: WorkerHandle): void {
    const max = this.#maxTasksPerChild;
    if (max !== undefined && worker.dispatched >= max && worker.inflight.size === 0) void this.#workers.retire(worker, 5000, 'recycled'); // it ends by itself
    this.pump();
    this.#hooks.checkIdle();
  }

  // The worker's pipe ended while it held tasks: it died (or closed its end). Reject what it held.
  #lost(worker: WorkerHandle, cause: unknown): void {
    if (worker.gone) return;
    // Batches run in order: only the oldest had started; the others go back to the queue's head.
    const held = worker.batches[0]?.tasks ?? [];
    const unstarted = worker.batches.slice(1).flatMap((batch) => batch.tasks);
    const pid = worker.process.pid;
    const name = worker.describe();
    const exit = this.#workers.retire(worker, 2000, 'died'); // records the held batch in the trace
    worker.batches.length = 0;
    worker.inflight.clear();
    if (unstarted.length > 0) this.#queue.splice(this.#head, 0, ...unstarted);
    void exit.then(({ exitCode, signal }) => {
      const how = signal !== null ? `was killed by ${signal}` : exitCode !== null ? `exited with code ${exitCode}` : 'closed its pipe';
      for (const task of held) {
        const error = new WorkerLostError(
          `Pool worker ${name} ${how} while running task ${task.id} ` +
            `(${task.call.what}, items ${task.start}..${task.start + task.items.length - 1}); the worker was replaced.`,
          { cause, exitCode, signal, ...(pid === undefined ? {} : { pid }) },
        );
        task.call.fail(error, task.index);
      }
      this.pump();
    });
  }
}

function fnFor(worker: WorkerHandle, spec: CallSpec): FnSpec | null {
  if (spec.id !== undefined && spec.id < worker.knownUpTo) return { kind: 'id', id: spec.id };
  if (spec.ref !== null) return { kind: 'ref', ref: spec.ref };
  return null;
}

// The first item of `task` that cannot travel, named by its path (argument-error.ts).
function taskError(task: Task): SerializationError | null {
  for (let at = 0; at < task.items.length; at++) {
    const error = itemError(task.items[at], task.start + at, task.call.what, task.call.star);
    if (error !== null) return error;
  }
  return null;
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
  return new SerializationError(`items[${position}]`, `${task.call.what}: item ${position} cannot be sent to a pool worker: ${cause}`, {
    cause: error,
  });
}
