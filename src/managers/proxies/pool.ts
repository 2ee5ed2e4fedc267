// Proxy of a manager's Pool (Python's PoolProxy): apply/map/starmap/imap/imapUnordered run in
// the manager's process on its workers. Functions travel by reference (exported, any start
// method), checked at the call; imap results are pulled one per call as the loop asks.
import { typeError } from '../../options.ts';
import type { FnSpec } from '../../pool/messages.ts';
import { referenceTarget } from '../../target.ts';
import { BaseProxy, setProxyType } from '../proxy.ts';

type AnyFunction = (...args: any[]) => unknown;

/** Options of map/starmap/imap through a manager's Pool. */
export interface RemoteCallOptions {
  chunksize?: number;
}

function spec(fn: unknown): FnSpec {
  if (typeof fn !== 'function') typeError('fn', 'a function', fn);
  return { kind: 'ref', ref: referenceTarget(fn as AnyFunction, 'fn', "a manager's Pool") };
}

function chunksizeOf(options: RemoteCallOptions | undefined): number | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) typeError('options', 'an object', options);
  const { chunksize } = options;
  if (chunksize !== undefined && (!Number.isInteger(chunksize) || chunksize < 1)) typeError('chunksize', 'a positive integer', chunksize);
  return chunksize;
}

/** Proxy of a Pool living in a manager's process. */
export class PoolProxy extends BaseProxy {
  /** Run `fn(...args)` on a worker; resolves to its result. */
  apply<A extends unknown[], R>(fn: (...args: A) => R, args?: A): Promise<Awaited<R>> {
    return this.callMethod('apply', [spec(fn), args ?? []]);
  }
  /** `fn` over every item, results in order. */
  map<T, R>(fn: (item: T) => R, items: Iterable<T>, options?: RemoteCallOptions): Promise<Awaited<R>[]> {
    return this.callMethod('map', [spec(fn), [...items], chunksizeOf(options)]);
  }
  /** `fn(...args)` for every args array, results in order. */
  starmap<A extends unknown[], R>(fn: (...args: A) => R, items: Iterable<A>, options?: RemoteCallOptions): Promise<Awaited<R>[]> {
    return this.callMethod('starmap', [spec(fn), [...items], chunksizeOf(options)]);
  }
  /** Results of `fn` over the items in order, as they come. */
  imap<T, R>(fn: (item: T) => R, items: Iterable<T>, options?: RemoteCallOptions): AsyncIterableIterator<Awaited<R>> {
    return this.#iterate(spec(fn), [...items], true, chunksizeOf(options));
  }
  /** Results of `fn` over the items in completion order. */
  imapUnordered<T, R>(fn: (item: T) => R, items: Iterable<T>, options?: RemoteCallOptions): AsyncIterableIterator<Awaited<R>> {
    return this.#iterate(spec(fn), [...items], false, chunksizeOf(options));
  }
  async *#iterate<R>(fn: FnSpec, items: unknown[], ordered: boolean, chunksize: number | undefined): AsyncIterableIterator<R> {
    const id = (await this.callMethod('iterate', [fn, items, ordered, chunksize])) as number;
    let done = false;
    try {
      while (!done) {
        const [finished, value] = (await this.callMethod('next', [id])) as [boolean, R];
        done = finished;
        if (!finished) yield value;
      }
    } finally {
      if (!done) await this.callMethod('closeIterator', [id]).catch(() => undefined);
    }
  }
  /** No new tasks; the workers end once the pending ones are done. */
  close(): Promise<void> {
    return this.callMethod('close');
  }
  /** Resolves once every worker ended (after close()). */
  join(): Promise<void> {
    return this.callMethod('join');
  }
  /** Stop the workers now; pending tasks reject. */
  terminate(): Promise<void> {
    return this.callMethod('terminate');
  }
  /** Number of workers. */
  processes(): Promise<number> {
    return this.callMethod('processes');
  }
}

setProxyType('Pool', PoolProxy);
