// How many jobs a worker host puts in one batch for its worker processes, from what it measures
// while it runs, not from constants: the hand-off cost (a batch's time at the host minus the time
// its functions ran: the wake-up of the worker process, the pipe both ways, the host's own work)
// and, per task function, the time one item takes. A batch holds no more work than one hand-off
// costs: tiny tasks travel many to a wake-up (the hand-off is paid once for all), a task as long
// as a hand-off travels alone (batching would gain at most half, and would hold back work that
// another process or host could start, or that a cancellation could still skip). A function not
// measured yet travels alone, which measures it.

/** Weight of the newest measurement in the running averages. */
const NEWEST = 0.25;
/** Most jobs in one batch, whatever the measurements say (as the local Pool's batches). */
export const MAX_BATCH = 64;

/** The running measurements of one host. */
export class Pace {
  /** Mean hand-off cost of a batch, ms (undefined: no batch measured yet). */
  #handOffMs: number | undefined;
  /** Mean ms per item, per task function. */
  readonly #perItemMs = new Map<string, number>();

  /** The mean hand-off cost so far, ms. */
  get handOffMs(): number | undefined {
    return this.#handOffMs;
  }

  /** A batch took `wallMs` at the host; its jobs ran `runMs` (of functions `keys`, `items` items each). */
  record(wallMs: number, jobs: { key: string; items: number; runMs: number }[]): void {
    let ran = 0;
    for (const job of jobs) {
      ran += job.runMs;
      const perItem = job.runMs / Math.max(1, job.items);
      const known = this.#perItemMs.get(job.key);
      this.#perItemMs.set(job.key, known === undefined ? perItem : known + NEWEST * (perItem - known));
    }
    const handOff = Math.max(0, wallMs - ran);
    this.#handOffMs = this.#handOffMs === undefined ? handOff : this.#handOffMs + NEWEST * (handOff - this.#handOffMs);
  }

  /** The expected ms of a job of `key` with `items` items (Infinity: not measured yet). */
  cost(key: string, items: number): number {
    const perItem = this.#perItemMs.get(key);
    return perItem === undefined ? Infinity : perItem * items;
  }

  /** Work (ms) one batch may hold beyond its first job: one hand-off's worth (0 before any is measured). */
  budget(): number {
    return this.#handOffMs ?? 0;
  }

  /** How many jobs of `key` (`items` items each) make a full batch (at least 1). */
  batchSize(key: string, items: number): number {
    const cost = this.cost(key, items);
    if (!Number.isFinite(cost)) return 1;
    if (cost <= 0) return MAX_BATCH;
    return Math.max(1, Math.min(MAX_BATCH, Math.floor(this.budget() / cost)));
  }
}
