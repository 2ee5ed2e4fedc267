// On a worker host: the jobs it holds, and their batches to its worker processes. A host takes
// more jobs from Redis than it runs (BullMQ's concurrency), so the next ones are here when a
// process frees; at most one batch runs per process. A freed process takes the oldest waiting
// job and, behind it, up to its fair share of the waiting ones (waiting / processes) as long as
// their expected work fits one hand-off (pace.ts). A waiting job can still be cancelled (its
// call ended) or handed back (the host stops); a job in a sent batch has started.
import { WorkerLostError } from '../errors.ts';
import type { BatchEntry, BatchReply } from './batch-runner.ts';
import { MAX_BATCH, type Pace } from './pace.ts';

/** A job ready to run: its entry for the worker process, its function's key and item count. */
export interface HeldJob {
  entry: BatchEntry;
  key: string;
  items: number;
}

/** How a held job ended here: its encoded result (and whether it succeeded), the batch's error, or not run. */
export type Outcome = { result: string; ok: boolean } | { error: unknown } | 'handBack' | 'cancelled';

interface Waiter {
  job: HeldJob;
  /** Run in a batch of its own (its batch lost its worker process: find the culprit). */
  alone: boolean;
  settle: (outcome: Outcome) => void;
}

/** Runs a batch in a worker process (the local Pool). */
export type RunBatch = (entries: BatchEntry[]) => Promise<BatchReply>;

/** The held jobs of one host and their batches. */
export class Batches {
  readonly #processes: number;
  readonly #run: RunBatch;
  readonly #pace: Pace;
  #waiting: Waiter[] = [];
  #batches = 0;
  #running = 0;
  #closed = false;

  constructor(processes: number, run: RunBatch, pace: Pace) {
    this.#processes = processes;
    this.#run = run;
    this.#pace = pace;
  }

  /** Jobs in batches sent to worker processes. */
  get running(): number {
    return this.#running;
  }

  /** Run `job` in a batch; resolves with how it ended ('cancelled' once `signal` aborts while it waits). */
  submit(job: HeldJob, signal?: AbortSignal): Promise<Outcome> {
    if (signal?.aborted === true) return Promise.resolve('cancelled');
    if (this.#closed) return Promise.resolve('handBack');
    return new Promise((resolve) => {
      const onAbort = () => {
        const at = this.#waiting.indexOf(waiter);
        if (at === -1) return; // in a batch already: it runs
        this.#waiting.splice(at, 1);
        waiter.settle('cancelled');
      };
      const waiter: Waiter = {
        job,
        alone: false,
        settle: (outcome) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(outcome);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
      this.#pump();
    });
  }

  /** Hand back every waiting job, and every later one (they resolve 'handBack'). */
  handBack(): void {
    this.#closed = true;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const waiter of waiting) waiter.settle('handBack');
  }

  #pump(): void {
    while (this.#batches < this.#processes && this.#waiting.length > 0) {
      const share = Math.min(MAX_BATCH, Math.ceil(this.#waiting.length / this.#processes));
      const first = this.#waiting.shift() as Waiter;
      const batch = [first];
      let budget = this.#pace.budget() - this.#pace.cost(first.job.key, first.job.items);
      while (!first.alone && batch.length < share && budget >= 0) {
        const next = this.#waiting[0];
        if (next === undefined || next.alone) break;
        budget -= this.#pace.cost(next.job.key, next.job.items);
        if (budget < 0) break;
        batch.push(this.#waiting.shift() as Waiter);
      }
      void this.#send(batch);
    }
  }

  async #send(batch: Waiter[]): Promise<void> {
    this.#batches++;
    this.#running += batch.length;
    const started = performance.now();
    try {
      const reply = await this.#run(batch.map((waiter) => waiter.job.entry));
      this.#pace.record(
        performance.now() - started,
        batch.map(({ job }, at) => ({ key: job.key, items: job.items, runMs: reply.runMs[at] ?? 0 })),
      );
      batch.forEach((waiter, at) => waiter.settle({ result: reply.results[at] ?? '', ok: reply.ok[at] === true }));
    } catch (error) {
      if (error instanceof WorkerLostError && batch.length > 1) {
        // One of them killed its worker process: each runs again alone, so that only the culprit
        // fails (the others may run twice: at-least-once, as a lost host's tasks).
        for (const waiter of batch) waiter.alone = true;
        if (this.#closed) for (const waiter of batch) waiter.settle('handBack');
        else this.#waiting.unshift(...batch);
      } else {
        for (const waiter of batch) waiter.settle({ error });
      }
    } finally {
      this.#batches--;
      this.#running -= batch.length;
      this.#pump();
    }
  }
}
