// One pool call (apply, map, imap …): its tasks (chunks) and their results, in order or as they
// come. The first error fails the call, except in imap (ordered and streaming): as Python's
// IMapIterator, it yields every result before the failing position, waiting for those still
// running, and throws there; tasks after that position are dropped. Where its chunks run is
// not its business (see worker-layer.ts).

type AnyFunction = (...args: never[]) => unknown;

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
  /** imap: an error waits until every chunk before its position arrived (see #pending). */
  readonly #deferErrors: boolean;
  #next = 0;
  #total: number | null = null;
  #received = 0;
  #error: { error: unknown; at: number } | null = null;
  /** imap's earliest error so far, not yet the call's: chunks before `at` are still running. */
  #pending: { error: unknown; at: number } | null = null;
  /** How many chunks before `#pending.at` have arrived. */
  #arrivedBefore = 0;
  #tailError: { error: unknown } | null = null;
  #wake: (() => void) | null = null;
  /** Chunks handed to the consumer (imap's backpressure counts what is fed but not consumed). */
  #consumed = 0;
  #roomWake: (() => void) | null = null;
  #onFail: (call: Call) => void;
  #onDeliver: ((items: number) => void) | undefined;
  /** Set by the pool: run once the call settled (removes its abort listener). */
  collectDone: (() => void) | undefined = undefined;

  constructor(
    fn: AnyFunction,
    options: {
      id: number;
      star: boolean;
      ordered: boolean;
      deferErrors?: boolean;
      what: string;
      onFail: (call: Call) => void;
      onDeliver?: (items: number) => void;
    },
  ) {
    this.id = options.id;
    this.fn = fn;
    this.star = options.star;
    this.#ordered = options.ordered;
    this.#deferErrors = options.ordered && options.deferErrors === true;
    this.what = options.what;
    this.#onFail = options.onFail;
    this.#onDeliver = options.onDeliver;
  }

  /** True once it failed (its queued tasks are skipped; late results ignored). */
  get failed(): boolean {
    return this.#error !== null;
  }

  /** True once no more input is needed: it failed, or an error waits at a known position. */
  get stopped(): boolean {
    return this.#error !== null || this.#pending !== null;
  }

  /** Whether the chunk at `index` need not run (any more). */
  skips(index: number): boolean {
    return this.#error !== null || (this.#pending !== null && index > this.#pending.at);
  }

  /** True once every chunk's result arrived. */
  get finished(): boolean {
    return this.#total !== null && this.#received === this.#total;
  }

  /** A chunk's results arrived. */
  deliver(index: number, values: unknown[]): void {
    if (this.#error !== null) return;
    const pending = this.#pending;
    if (pending !== null && index > pending.at) return; // not needed: the call throws before it
    this.#received++;
    this.#onDeliver?.(values.length);
    if (this.#error !== null) return; // the hook failed the call (a throwing onProgress)
    if (this.#ordered) this.#ready.set(index, values);
    else this.#arrivals.push(values);
    if (pending !== null && ++this.#arrivedBefore === pending.at) this.#failNow(pending.error, pending.at);
    else this.#notify();
  }

  /**
   * Fail the call; `at` is the chunk position of the error (-1: before everything). In imap, an
   * error at a position waits for the chunks before it (the earliest such error wins).
   */
  fail(error: unknown, at = -1): void {
    if (this.#error !== null || this.finished) return;
    if (!this.#deferErrors || at < 0) return this.#failNow(error, at);
    if (this.#pending !== null && this.#pending.at <= at) return;
    this.#pending = { error, at };
    this.#wakeRoom();
    // Chunks before `at` that arrived: those already yielded (below #next) and those held.
    let arrived = Math.min(this.#next, at);
    for (const index of this.#ready.keys()) {
      if (index >= at)
        this.#ready.delete(index); // not needed any more
      else if (index >= this.#next) arrived++;
    }
    this.#arrivedBefore = arrived;
    if (arrived === at) this.#failNow(error, at);
  }

  #failNow(error: unknown, at: number): void {
    this.#pending = null;
    this.#error = { error, at };
    this.#notify();
    this.#wakeRoom();
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
          this.#consumed++;
          this.#wakeRoom();
          yield values;
          continue;
        }
      } else if (this.#arrivals.length > 0) {
        const values = this.#arrivals.shift() as unknown[];
        this.#consumed++;
        this.#wakeRoom();
        yield values;
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

  /**
   * Resolves once fewer than `limit` of the chunks made so far (`made`) wait for their consumer,
   * or the call stopped; null when there is room already (imap's input backpressure).
   */
  room(made: number, limit: number): Promise<void> | null {
    if (this.stopped || made - this.#consumed < limit) return null;
    return new Promise((resolve) => {
      const previous = this.#roomWake;
      this.#roomWake = () => {
        previous?.();
        resolve();
      };
    });
  }

  #wakeRoom(): void {
    const wake = this.#roomWake;
    this.#roomWake = null;
    wake?.();
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
