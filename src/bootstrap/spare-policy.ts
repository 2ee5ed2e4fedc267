// When the fork server keeps warm spares (src/bootstrap/spare-child.ts), learned from the starts
// it serves rather than from a fixed window: a spare pays only if the next start comes while it
// waits, so the server estimates the time between starts and keeps a spare for a few of those.
//
// - The estimate is the longest of the last RECENT intervals between starts: a Pool started in a
//   burst and started again once its work is done has intervals near 0 and near its lifetime,
//   and the spare must wait for the latter. Before the second start, the lifetime of the first
//   child stands in for it (a start→join loop starts the next child about one lifetime later).
// - A child's end calls for a spare when the last start is less than PATIENCE estimates ago (a
//   start→join loop, a Pool replacing a worker or started again), not when the starts stopped
//   long ago; an unused spare is dropped once PATIENCE estimates passed from that end without a
//   start (a program that started one process does not keep a second one). An unused spare
//   costs its fork whatever the wait; waiting longer costs only an idle process, so the patience
//   is generous.
// Every figure is a ratio or a count of what this server observed: nothing depends on the machine's speed.

/** How many estimated intervals between starts a spare is worth waiting (a ratio, not a machine figure). */
const PATIENCE = 4;
/** How many of the latest intervals between starts the estimate looks at. */
const RECENT = 8;

/** The fork server's learned policy for its warm spares; times are performance.now() milliseconds. */
export class SparePolicy {
  #lastStart = -Infinity;
  readonly #intervals: number[] = [];

  /** A start request arrived at `now`. */
  started(now: number): void {
    if (this.#lastStart !== -Infinity) {
      this.#intervals.push(now - this.#lastStart);
      if (this.#intervals.length > RECENT) this.#intervals.shift();
    }
    this.#lastStart = now;
  }

  /** The estimated interval between starts, in ms; `lifetime` (of a child that just ended) stands in before the second start. */
  interval(lifetime: number): number {
    return Math.max(this.#intervals.length === 0 ? lifetime : Math.max(...this.#intervals), 0);
  }

  /** Whether a child that ended at `now`, `lifetime` ms after its start, calls for a spare. */
  wantsSpare(now: number, lifetime: number): boolean {
    return now - this.#lastStart < PATIENCE * this.interval(lifetime);
  }

  /** How long a spare forked now, at the end of a child that lived `lifetime` ms, is kept unused, in ms. */
  keepFor(lifetime: number): number {
    return PATIENCE * this.interval(lifetime);
  }
}
