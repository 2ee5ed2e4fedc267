// The cluster Pool: the local Pool's calls (call-pool.ts: chunks, order, errors at their
// position, abort) over worker hosts that serve a BullMQ queue (redis-workers.ts).
import { CallPool } from '../pool/call-pool.ts';
import { normalizeClusterOptions, type ClusterCallOptions, type ClusterPoolOptions, type NormalizedClusterOptions } from './options.ts';
import { RedisWorkers } from './redis-workers.ts';
import type { TaskRoute } from './route.ts';

/**
 * A Pool whose tasks run on worker hosts (`multiproc worker`) on any number of machines, through
 * a BullMQ queue in Redis; the local Pool's calls and semantics.
 * @throws {TypeError} for bad options; a call rejects with a {RedisConnectionError} when Redis
 * cannot be reached, a {TimeoutError} after `timeoutMs`, or the task's own error.
 * @example
 * import { Pool } from 'multiproc/cluster';
 * import { square } from './tasks.ts';
 * // on each machine: npx multiproc worker --redis redis://host:6379 --queue squares
 * await using pool = new Pool({ redis: 'redis://host:6379', queue: 'squares' });
 * console.log(await pool.map(square, [1, 2, 3]));
 */
export class Pool extends CallPool<TaskRoute> {
  readonly #options: NormalizedClusterOptions;
  readonly #workers: RedisWorkers;

  constructor(options: ClusterPoolOptions) {
    const normalized = normalizeClusterOptions(options);
    let layer: RedisWorkers | undefined;
    super((hooks) => (layer = new RedisWorkers(normalized, hooks)), null);
    this.#options = normalized;
    this.#workers = layer as unknown as RedisWorkers;
  }

  /** The queue's name. */
  get queue(): string {
    return this.#options.queue;
  }

  /** `fn(item)` for every item, in input order; `timeoutMs` ends the call (its queued tasks removed). */
  override map<T, R>(fn: (item: T) => R, items: Iterable<T> | AsyncIterable<T>, options?: ClusterCallOptions): Promise<Awaited<R>[]> {
    return super.map(fn, items, options);
  }

  /** `fn(...args)` for every argument list, in input order. */
  override starmap<A extends unknown[], R>(
    fn: (...args: A) => R,
    items: Iterable<A> | AsyncIterable<A>,
    options?: ClusterCallOptions,
  ): Promise<Awaited<R>[]> {
    return super.starmap(fn, items, options);
  }

  /** `fn(item)` for every item, yielded in input order as they complete (chunksize default 1). */
  override imap<T, R>(
    fn: (item: T) => R,
    items: Iterable<T> | AsyncIterable<T>,
    options?: ClusterCallOptions,
  ): AsyncIterableIterator<Awaited<R>> {
    return super.imap(fn, items, options);
  }

  /** `fn(item)` for every item, yielded as they complete, in any order (chunksize default 1). */
  override imapUnordered<T, R>(
    fn: (item: T) => R,
    items: Iterable<T> | AsyncIterable<T>,
    options?: ClusterCallOptions,
  ): AsyncIterableIterator<Awaited<R>> {
    return super.imapUnordered(fn, items, options);
  }

  /** Call `fn(...args)` on a worker host; the result. */
  override apply<A extends unknown[], R>(
    fn: (...args: A) => R,
    args?: A,
    options?: Pick<ClusterCallOptions, 'signal' | 'timeoutMs'>,
  ): Promise<Awaited<R>> {
    return super.apply(fn, args, options);
  }

  override toString(): string {
    return `<cluster Pool queue=${this.#options.queue} state=${this.state} pending=${this.#workers.pending}>`;
  }
}
