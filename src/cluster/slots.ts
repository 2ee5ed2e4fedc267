// On a worker host: the tasks it holds but does not run yet. A host takes up to `prefetch` tasks
// per process from Redis (BullMQ's concurrency), so the next task is already here when a process
// finishes one, instead of a Redis round trip later; only `processes` of them run at once. When
// the host stops gracefully, the ones still waiting are handed back to the queue, not run.

/** What take() resolves with: run now, hand the task back (stopping), or skip it (its call ended). */
export type Outcome = 'run' | 'handBack' | 'cancelled';

/** At most `size` holders at once; the others wait in arrival order until handBack(). */
export class Slots {
  readonly #size: number;
  #used = 0;
  #waiting: ((outcome: Outcome) => void)[] = [];
  #closed = false;

  constructor(size: number) {
    this.#size = size;
  }

  /** Tasks held but not running. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** 'run' once a slot is taken (release() it after); 'handBack' when stopping; 'cancelled' once `signal` aborts while waiting. */
  take(signal?: AbortSignal): Promise<Outcome> {
    if (signal?.aborted === true) return Promise.resolve('cancelled');
    if (this.#closed) return Promise.resolve('handBack');
    if (this.#used < this.#size) {
      this.#used++;
      return Promise.resolve('run');
    }
    return new Promise((resolve) => {
      const waiter = (outcome: Outcome) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const onAbort = () => {
        this.#waiting = this.#waiting.filter((other) => other !== waiter);
        waiter('cancelled');
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  /** Give a slot back: the longest waiter takes it. */
  release(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next('run');
    else this.#used--;
  }

  /** Refuse every waiter and every later take() (they resolve 'handBack'). */
  handBack(): void {
    this.#closed = true;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resolve of waiting) resolve('handBack');
  }
}
