// Proxy of a manager's Pool (Python's PoolProxy): apply/map/starmap/imap/imapUnordered run in
// the manager's process on its workers. Functions travel by reference (exported, any start
// method), checked at the call; imap results are pulled one per call as the loop asks.
import { checkAbortSignal } from '../../abortable.ts';
import { typeError } from '../../options.ts';
import type { FnSpec } from '../../pool/messages.ts';
import { referenceTarget } from '../../loading/target.ts';
import { BaseProxy, setProxyType } from '../proxy.ts';

type AnyFunction = (...args: any[]) => unknown;

/** Options of map/starmap/imap through a manager's Pool: `signal` cancels the call's pending tasks. */
export interface RemoteCallOptions {
  chunksize?: number;
  signal?: AbortSignal;
}

function spec(fn: unknown): FnSpec {
  if (typeof fn !== 'function') typeError('fn', 'a function', fn);
  return { kind: 'ref', ref: referenceTarget(fn as AnyFunction, 'fn', "a manager's Pool") };
}

function callOptions(options: RemoteCallOptions | undefined): [number | undefined, AbortSignal | undefined] {
  if (options === undefined) return [undefined, undefined];
  if (typeof options !== 'object' || options === null) typeError('options', 'an object', options);
  const { chunksize, signal } = options;
  if (chunksize !== undefined && (!Number.isInteger(chunksize) || chunksize < 1)) typeError('chunksize', 'a positive integer', chunksize);
  return [chunksize, checkAbortSignal(signal)];
}

/** Proxy of a Pool living in a manager's process. */
export class PoolProxy extends BaseProxy {
  /** Run `fn(...args)` on a worker; resolves to its result. */
  apply<A extends unknown[], R>(fn: (...args: A) => R, args?: A, options?: Pick<RemoteCallOptions, 'signal'>): Promise<Awaited<R>> {
    const [, signal] = callOptions(options);
    return this.callMethod('apply', [spec(fn), args ?? []], signal);
  }
  /** `fn` over every item, results in order. */
  map<T, R>(fn: (item: T) => R, items: Iterable<T>, options?: RemoteCallOptions): Promise<Awaited<R>[]> {
    const [chunksize, signal] = callOptions(options);
    return this.callMethod('map', [spec(fn), [...items], chunksize], signal);
  }
  /** `fn(...args)` for every args array, results in order. */
  starmap<A extends unknown[], R>(fn: (...args: A) => R, items: Iterable<A>, options?: RemoteCallOptions): Promise<Awaited<R>[]> {
    const [chunksize, signal] = callOptions(options);
    return this.callMethod('starmap', [spec(fn), [...items], chunksize], signal);
  }
  /** Results of `fn` over the items in order, as they come. */
  imap<T, R>(fn: (item: T) => R, items: Iterable<T>, options?: RemoteCallOptions): AsyncIterableIterator<Awaited<R>> {
    return this.#iterate(spec(fn), [...items], true, callOptions(options));
  }
  /** Results of `fn` over the items in completion order. */
  imapUnordered<T, R>(fn: (item: T) => R, items: Iterable<T>, options?: RemoteCallOptions): AsyncIterableIterator<Awaited<R>> {
    return this.#iterate(spec(fn), [...items], false, callOptions(options));
  }
  // An aborted `signal` rejects the pending next() with its reason and closes the remote iterator.
  async *#iterate<R>(
    fn: FnSpec,
    items: unknown[],
    ordered: boolean,
    [chunksize, signal]: [number | undefined, AbortSignal | undefined],
  ): AsyncIterableIterator<R> {
    const id = (await this.callMethod('iterate', [fn, items, ordered, chunksize], signal)) as number;
    let done = false;
    try {
      while (!done) {
        const [finished, value] = (await this.callMethod('next', [id], signal)) as [boolean, R];
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
  /** Resolves once every worker ended (after close()); `signal` stops the waiting only. */
  join(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (typeof options !== 'object' || options === null) typeError('options', 'an object', options);
    return this.callMethod('join', [], checkAbortSignal(options.signal));
  }
  /** Stop the workers now; pending tasks reject. */
  terminate(): Promise<void> {
    return this.callMethod('terminate');
  }
  /** `await using pool = await m.Pool()`: terminate() (as a Pool's dispose, Python's `with`), then give the reference back. */
  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.terminate();
    } finally {
      this.dispose();
    }
  }
  /** Number of workers. */
  processes(): Promise<number> {
    return this.callMethod('processes');
  }
}

setProxyType('Pool', PoolProxy);
