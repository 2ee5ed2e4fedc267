// A Pool as it lives in the manager's process (Python's SyncManager.Pool): every process holding
// its proxy submits to the same workers, children of the manager's process. Functions arrive by
// reference (FnSpec) and are imported here; an imap runs as a remote iterator, pulled one result
// per call. A Pool no proxy holds any more, or left at the manager's shutdown, is terminated.
import { typeError } from '../../options.ts';
import { Pool } from '../../pool/index.ts';
import { resolveFunction } from '../../pool/functions.ts';
import type { FnSpec } from '../../pool/messages.ts';
import { kDropped } from '../objects.ts';
import { kWithCaller } from './locks.ts';
import type { Caller } from './waiting.ts';

type AnyFunction = (...args: any[]) => unknown;

/** What a PoolProxy sends for `m.Pool(options)`. */
export interface RemotePoolOptions {
  processes?: number;
  initializer?: FnSpec | null;
  initargs?: unknown[];
  maxTasksPerChild?: number;
}

const live = new Set<Pool>();

/** Terminate every Pool of this manager process (at its shutdown). */
export async function terminatePools(): Promise<void> {
  await Promise.allSettled([...live].map((pool) => pool.terminate()));
}

const finalizer = new FinalizationRegistry<Pool>((pool) => {
  live.delete(pool);
  void pool.terminate().catch(() => undefined);
});

/** The referent of a Pool proxy. */
export class PoolReferent {
  /** These calls get the caller: its signal (a cancelled call, a client gone) cancels the call's pending tasks. */
  static readonly [kWithCaller] = new Set(['apply', 'map', 'starmap', 'join']);
  readonly #pool: Pool;
  readonly #iterators = new Map<number, AsyncIterator<unknown>>();
  #nextIterator = 0;

  static async create(options: unknown): Promise<PoolReferent> {
    if (options === undefined || options === null) options = {};
    if (typeof options !== 'object') typeError('options', 'an object', options);
    const { initializer, ...rest } = options as RemotePoolOptions;
    const init = initializer === undefined || initializer === null ? undefined : ((await resolveFunction(initializer)) as AnyFunction);
    return new PoolReferent(new Pool({ ...rest, ...(init === undefined ? {} : { initializer: init }) }));
  }

  private constructor(pool: Pool) {
    this.#pool = pool;
    live.add(pool);
    finalizer.register(this, pool);
  }

  async apply(caller: Caller, fn: FnSpec, args: unknown[] = []): Promise<unknown> {
    return this.#pool.apply(await fnOf(fn), args, { signal: caller.signal });
  }
  async map(caller: Caller, fn: FnSpec, items: unknown[], chunksize?: number): Promise<unknown[]> {
    return this.#pool.map(await fnOf(fn), items, { signal: caller.signal, ...(chunksize === undefined ? {} : { chunksize }) });
  }
  async starmap(caller: Caller, fn: FnSpec, items: unknown[][], chunksize?: number): Promise<unknown[]> {
    return this.#pool.starmap(await fnOf(fn), items, { signal: caller.signal, ...(chunksize === undefined ? {} : { chunksize }) });
  }
  /** Start an imap (ordered) or imapUnordered; returns the iterator's id for next()/closeIterator(). */
  async iterate(fn: FnSpec, items: unknown[], ordered: boolean, chunksize?: number): Promise<number> {
    const f = await fnOf(fn);
    const options = chunksize === undefined ? {} : { chunksize };
    const iterator = ordered ? this.#pool.imap(f, items, options) : this.#pool.imapUnordered(f, items, options);
    const id = this.#nextIterator++;
    this.#iterators.set(id, iterator);
    return id;
  }
  /** The next result of an iterate(): `[done, value]`. */
  async next(id: number): Promise<[boolean, unknown]> {
    const iterator = this.#iterators.get(id);
    if (iterator === undefined) return [true, undefined];
    try {
      const step = await iterator.next();
      if (step.done === true) this.#iterators.delete(id);
      return [step.done === true, step.value];
    } catch (error) {
      this.#iterators.delete(id);
      throw error;
    }
  }
  /** Stop an iterate() early (a `break` in the caller's for await). */
  async closeIterator(id: number): Promise<void> {
    const iterator = this.#iterators.get(id);
    this.#iterators.delete(id);
    await iterator?.return?.();
  }
  close(): void {
    this.#pool.close();
  }
  async join(caller: Caller): Promise<void> {
    await this.#pool.join({ signal: caller.signal });
    live.delete(this.#pool);
  }
  async terminate(): Promise<void> {
    await this.#pool.terminate();
    live.delete(this.#pool);
  }
  processes(): number {
    return this.#pool.processes;
  }
  /** Dropped by the manager (no proxy holds it any more): its workers go now, not at some collection. */
  [kDropped](): void {
    live.delete(this.#pool);
    void this.#pool.terminate().catch(() => undefined);
  }
  pids(): number[] {
    return this.#pool.pids;
  }
}

async function fnOf(spec: unknown): Promise<AnyFunction> {
  if (typeof spec !== 'object' || spec === null) typeError('fn', 'a function reference', spec);
  return (await resolveFunction(spec as FnSpec)) as AnyFunction;
}
