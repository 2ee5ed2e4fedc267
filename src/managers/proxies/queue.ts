// Proxies of the manager's Queue and JoinableQueue (Python's queue.Queue through a manager):
// put/get wait in the manager's process; QueueEmptyError / QueueFullError as multiproc's Queue.
import { TimeoutError } from '../../errors.ts';
import { normalizeTimeout, typeError } from '../../options.ts';
import { BaseProxy, setProxyType } from '../proxy.ts';
import type { ProxyWaitOptions } from './sync.ts';

function waitArgs(options: ProxyWaitOptions | undefined): [number | undefined, AbortSignal | undefined] {
  if (options === undefined) return [undefined, undefined];
  if (typeof options !== 'object' || options === null) typeError('options', 'an object', options);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) typeError('signal', 'an AbortSignal', options.signal);
  return [normalizeTimeout('timeoutMs', options.timeoutMs), options.signal];
}

/** Proxy of a shared Queue; `for await` takes items until `signal` aborts. */
export class QueueProxy<T = unknown> extends BaseProxy {
  /** Put an item, waiting for room (QueueFullError when `timeoutMs` passes). */
  put(item: T, options?: ProxyWaitOptions): Promise<void> {
    const [timeoutMs, signal] = waitArgs(options);
    return this.callMethod('put', [item, true, timeoutMs], signal);
  }
  /** Take the next item, waiting for one (QueueEmptyError when `timeoutMs` passes). */
  get(options?: ProxyWaitOptions): Promise<T> {
    const [timeoutMs, signal] = waitArgs(options);
    return this.callMethod('get', [true, timeoutMs], signal);
  }
  /** Put without waiting (QueueFullError). */
  putNowait(item: T): Promise<void> {
    return this.callMethod('put', [item, false]);
  }
  /** Take without waiting (QueueEmptyError). */
  getNowait(): Promise<T> {
    return this.callMethod('get', [false]);
  }
  qsize(): Promise<number> {
    return this.callMethod('qsize');
  }
  empty(): Promise<boolean> {
    return this.callMethod('empty');
  }
  full(): Promise<boolean> {
    return this.callMethod('full');
  }
}

/** Proxy of a shared JoinableQueue: taskDone() per item taken, join() until all are done. */
export class JoinableQueueProxy<T = unknown> extends QueueProxy<T> {
  /** One item taken is done (TaskDoneError past the number put). */
  taskDone(): Promise<void> {
    return this.callMethod('taskDone');
  }
  /** Resolves once every item put was marked done; TimeoutError when `timeoutMs` passes. */
  async join(options?: ProxyWaitOptions): Promise<void> {
    const [timeoutMs, signal] = waitArgs(options);
    if (!(await this.callMethod('join', [timeoutMs], signal)))
      throw new TimeoutError(`The queue still had unfinished items after ${timeoutMs} ms.`);
  }
}

setProxyType('Queue', QueueProxy);
setProxyType('JoinableQueue', JoinableQueueProxy);
