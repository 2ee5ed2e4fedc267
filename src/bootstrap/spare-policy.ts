// When the fork server keeps a warm spare (src/bootstrap/spare-child.ts), learned from the starts
// it serves rather than from a fixed window: a spare pays only if the next start comes while it
// waits, so the server estimates the time between starts and keeps a spare for a few of those.
//
// - The estimate is a moving average of the intervals between consecutive starts; before the
//   second start, the lifetime of the first child stands in for it (a start→join loop starts the
//   next child about one lifetime after the last).
// - A child's end calls for a spare when the last start is less than PATIENCE estimates ago (a
//   start→join loop, a Pool replacing a worker), not when the starts came in one burst long ago
//   (a Pool's workers ending together); the spare is dropped unused once PATIENCE estimates
//   passed from that end without a start (a program that started one process does not keep a
//   second one). An unused spare costs its fork either way; keeping it longer costs only an
//   idle process, so the patience is generous.
// Every figure is a ratio of what this server measured: nothing depends on the machine's speed.

/** How many estimated intervals between starts a spare is worth waiting (a ratio, not a machine figure). */
const PATIENCE = 4;
/** Weight of the newest interval in the moving average (1/4: a few starts to follow a new pace). */
const WEIGHT = 0.25;

/** The fork server's learned policy for its warm spare; times are performance.now() milliseconds. */
export class SparePolicy {
  #lastStart = -Infinity;
  #interval: number | null = null;

  /** A start request arrived at `now`. */
  started(now: number): void {
    if (this.#lastStart !== -Infinity) {
      const gap = now - this.#lastStart;
      this.#interval = this.#interval === null ? gap : this.#interval + WEIGHT * (gap - this.#interval);
    }
    this.#lastStart = now;
  }

  /** The estimated interval between starts, in ms; `lifetime` (of a child that just ended) stands in before the second start. */
  interval(lifetime: number): number {
    return Math.max(this.#interval ?? lifetime, 0);
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
