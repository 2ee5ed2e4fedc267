// One pool call (apply, map, imap …): its tasks (chunks) and their results, in order or as they
// come; the first error fails the call (results before its position are still yielded by imap).

type AnyFunction = (...args: never[]) => unknown;

/** One chunk of a call, sent to one worker as one task. */
export interface Task {
  readonly id: number;
  readonly call: Call;
  /** Chunk number within the call. */
  readonly index: number;
  /** Position of the chunk's first item in the call's input. */
  readonly start: number;
  readonly items: unknown[];
}

/** The bookkeeping of one call. */
export class Call {
  /** Its number in the pool (trace args). */
  readonly id: number;
  readonly fn: AnyFunction;
  readonly star: boolean;
  readonly what: string;
  /** Results by chunk index (ordered calls keep them all until read). */
  readonly #ready = new Map<number, unknown[]>();
  readonly #arrivals: unknown[][] = [];
  readonly #ordered: boolean;
  #next = 0;
  #total: number | null = null;
  #received = 0;
  #error: { error: unknown; at: number } | null = null;
  #tailError: { error: unknown } | null = null;
  #wake: (() => void) | null = null;
  #onFail: (call: Call) => void;
  /** Set by the pool: run once the call settled (removes its abort listener). */
  collectDone: (() => void) | undefined = undefined;
  /** Set by the pool: extra data about how the function reaches workers. */
  spec: unknown = null;

  constructor(fn: AnyFunction, options: { id: number; star: boolean; ordered: boolean; what: string; onFail: (call: Call) => void }) {
    this.id = options.id;
    this.fn = fn;
    this.star = options.star;
    this.#ordered = options.ordered;
    this.what = options.what;
    this.#onFail = options.onFail;
  }

  /** True once it failed (its queued tasks are skipped; late results ignored). */
  get failed(): boolean {
    return this.#error !== null;
  }

  /** True once every chunk's result arrived. */
  get finished(): boolean {
    return this.#total !== null && this.#received === this.#total;
  }

  /** A chunk's results arrived. */
  deliver(index: number, values: unknown[]): void {
    if (this.#error !== null) return;
    this.#received++;
    if (this.#ordered) this.#ready.set(index, values);
    else this.#arrivals.push(values);
    this.#notify();
  }

  /** Fail the call; `at` is the chunk position of the error (-1: before everything). */
  fail(error: unknown, at = -1): void {
    if (this.#error !== null || this.finished) return;
    this.#error = { error, at };
    this.#notify();
    this.#onFail(this);
  }

  /** The input threw after `total` chunks: they still run (imap yields them), then `error` is thrown. */
  endWithError(error: unknown, total: number): void {
    this.#tailError = { error };
    this.finishInput(total);
  }

  /** The input is exhausted: `total` chunks were made. */
  finishInput(total: number): void {
    this.#total = total;
    this.#notify();
  }

  /** Every result, in input order. */
  async collect(): Promise<unknown[]> {
    for (;;) {
      if (this.#error !== null) throw this.#error.error;
      if (this.#tailError !== null) throw this.#tailError.error;
      if (this.finished) break;
      await this.#changed();
    }
    const total = this.#total ?? 0;
    const parts: unknown[][] = new Array<unknown[]>(total);
    for (let i = 0; i < total; i++) parts[i] = this.#ready.get(i) ?? [];
    this.#ready.clear();
    if (total === 1) return parts[0] as unknown[];
    if (total <= 1024) return ([] as unknown[]).concat(...parts);
    const out: unknown[] = [];
    for (const part of parts) for (let j = 0; j < part.length; j++) out.push(part[j]);
    return out;
  }

  /** Results chunk by chunk, in order (ordered calls) or as they arrive. */
  async *chunks(): AsyncGenerator<unknown[], void, undefined> {
    for (;;) {
      if (this.#ordered) {
        const values = this.#ready.get(this.#next);
        if (values !== undefined && (this.#error === null || this.#next < this.#error.at)) {
          this.#ready.delete(this.#next++);
          yield values;
          continue;
        }
      } else if (this.#arrivals.length > 0) {
        yield this.#arrivals.shift() as unknown[];
        continue;
      }
      if (this.#error !== null) throw this.#error.error;
      if (this.#total !== null && (this.#ordered ? this.#next >= this.#total : this.#received === this.#total)) {
        if (this.#tailError !== null) throw this.#tailError.error;
        return;
      }
      await this.#changed();
    }
  }

  #changed(): Promise<void> {
    return new Promise((resolve) => {
      const previous = this.#wake;
      this.#wake = () => {
        previous?.();
        resolve();
      };
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
