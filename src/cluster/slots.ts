// On a worker host: the tasks it holds but does not run yet. A host takes up to `prefetch` tasks
// per process from Redis (BullMQ's concurrency), so the next task is already here when a process
// finishes one, instead of a Redis round trip later; only `processes` of them run at once. When
// the host stops gracefully, the ones still waiting are handed back to the queue, not run.

/** At most `size` holders at once; the others wait in arrival order until handBack(). */
export class Slots {
  readonly #size: number;
  #used = 0;
  #waiting: ((granted: boolean) => void)[] = [];
  #closed = false;

  constructor(size: number) {
    this.#size = size;
  }

  /** Tasks held but not running. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Resolves with true once a slot is taken (release() it after), or false when handed back. */
  take(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.#used < this.#size) {
      this.#used++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Give a slot back: the longest waiter takes it. */
  release(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next(true);
    else this.#used--;
  }

  /** Refuse every waiter and every later take() (they resolve false). */
  handBack(): void {
    this.#closed = true;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resolve of waiting) resolve(false);
  }
}
