// The receives and polls waiting on one Connection, in order, each with its optional timeout and
// AbortSignal. A waiter that gives up leaves the stream as it is: any half-read frame stays for
// the next receive, so nothing is lost.

/** What a waiter wants: a decoded value (recv), the payload bytes (recvBytes), the payload in its own buffer (recvBytesInto), or readiness (poll). */
export type Want = 'object' | 'bytes' | 'into' | 'poll';

/** How a wait ends: with a value or an error. */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** How long one receive or poll waits: `timeoutMs` (then `onTimeout` decides) and `signal`. */
export interface ReadWaitOptions {
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** One pending receive or poll. */
export interface Waiter {
  want: Want;
  maxLength: number | undefined;
  /** recvBytesInto: where the payload goes. */
  into: Buffer | null;
  settled: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  cleanup: (() => void) | null;
}

/** The queue of waiters of one reader. */
export class WaiterQueue {
  #list: Waiter[] = [];
  #frames = 0; // waiters that want a frame (not polls)
  readonly #onEmpty: () => void;
  readonly #onGiveUp: (waiter: Waiter) => void;

  /** `onEmpty` runs whenever the last waiter leaves; `onGiveUp` before a waiter leaves by timeout or abort. */
  constructor(onEmpty: () => void, onGiveUp: (waiter: Waiter) => void) {
    this.#onEmpty = onEmpty;
    this.#onGiveUp = onGiveUp;
  }

  get size(): number {
    return this.#list.length;
  }

  /** Waiters that want a frame. */
  get frames(): number {
    return this.#frames;
  }

  /** The first waiter that wants a frame. */
  firstFrame(): Waiter | undefined {
    if (this.#frames === 0) return undefined;
    const first = this.#list[0];
    return first !== undefined && first.want !== 'poll' ? first : this.#list.find((w) => w.want !== 'poll');
  }

  /** Queue a wait; its Promise settles through settle()/cancel. */
  add(
    want: Want,
    maxLength: number | undefined,
    options: ReadWaitOptions,
    onTimeout: () => Outcome,
    into: Buffer | null = null,
  ): Promise<unknown> {
    const { timeoutMs, signal } = options;
    let waiter!: Waiter;
    const promise = new Promise<unknown>((resolve, reject) => {
      waiter = { want, maxLength, into, resolve, reject, settled: false, cleanup: null };
    });
    this.#list.push(waiter);
    if (want !== 'poll') this.#frames++;
    if (timeoutMs !== undefined || signal !== undefined) {
      const giveUp = (outcome: Outcome) => {
        if (waiter.settled) return;
        this.#onGiveUp(waiter);
        this.remove(waiter, outcome);
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => giveUp(onTimeout()), timeoutMs);
      const onAbort = () => giveUp({ ok: false, error: signal?.reason });
      signal?.addEventListener('abort', onAbort, { once: true });
      waiter.cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
    }
    return promise;
  }

  /** Take `waiter` out of the queue and settle it. */
  remove(waiter: Waiter, outcome: Outcome): void {
    if (waiter.settled) return;
    const index = this.#list.indexOf(waiter);
    if (index >= 0) {
      this.#list.splice(index, 1);
      if (waiter.want !== 'poll') this.#frames--;
    }
    settle(waiter, outcome);
    if (this.#list.length === 0) this.#onEmpty();
  }

  /** Resolve every poll with true (something can be received now). */
  resolvePolls(): void {
    if (this.#list.length === this.#frames) return;
    for (const waiter of this.#list.filter((w) => w.want === 'poll')) this.remove(waiter, { ok: true, value: true });
  }

  /** Settle every waiter: polls with `pollOutcome`, receives with `error`. */
  failAll(error: unknown, pollOutcome: Outcome): void {
    const all = this.#list;
    this.#list = [];
    this.#frames = 0;
    for (const waiter of all) settle(waiter, waiter.want === 'poll' ? pollOutcome : { ok: false, error });
    if (all.length > 0) this.#onEmpty();
  }

  /** Forget every waiter without settling it (a forked child's copies of the parent's waits). */
  forget(): void {
    this.#list = [];
    this.#frames = 0;
  }
}

function settle(waiter: Waiter, outcome: Outcome): void {
  if (waiter.settled) return;
  waiter.settled = true;
  waiter.cleanup?.();
  if (outcome.ok) waiter.resolve(outcome.value);
  else waiter.reject(outcome.error);
}
