// Proxies of the manager's locks, semaphores, events, conditions and barriers. Every wait takes
// { timeoutMs, signal } and is carried out in the manager's process; `hold()` gives a lock that
// `await using` releases. Ownership is per process (per connection to the manager).
import { TimeoutError } from '../../errors.ts';
import { normalizeTimeout, typeError } from '../../options.ts';
import { BaseProxy, setProxyType } from '../proxy.ts';

/** Options of a wait on a shared object. */
export interface ProxyWaitOptions {
  /** Give up after this many milliseconds (acquire/wait resolve false; hold() throws TimeoutError). */
  timeoutMs?: number;
  /** Cancel the wait (it rejects with the signal's reason, unless the manager had already granted it). */
  signal?: AbortSignal;
}

/** Options of acquire(). */
export interface AcquireOptions extends ProxyWaitOptions {
  /** false: do not wait (Python's blocking=False). */
  blocking?: boolean;
}

/** A held lock: released by `await using`, or by release(). */
export interface HeldProxy extends AsyncDisposable {
  release(): Promise<void>;
}

function waitArgs(options: ProxyWaitOptions | undefined): { timeoutMs: number | undefined; signal: AbortSignal | undefined } {
  if (options === undefined) return { timeoutMs: undefined, signal: undefined };
  if (typeof options !== 'object' || options === null) typeError('options', 'an object', options);
  const timeoutMs = normalizeTimeout('timeoutMs', options.timeoutMs);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) typeError('signal', 'an AbortSignal', options.signal);
  return { timeoutMs, signal: options.signal };
}

/** The proxy's acquire/release, shared by locks, semaphores and conditions. */
abstract class AcquirableProxy extends BaseProxy {
  /** Resolves true once acquired, false when `timeoutMs` passed (or `blocking: false` found it taken). */
  acquire(options?: AcquireOptions): Promise<boolean> {
    const { timeoutMs, signal } = waitArgs(options);
    return this.callMethod('acquire', [options?.blocking !== false, timeoutMs], signal);
  }
  /** Acquire, returning a handle that `await using` releases; TimeoutError when `timeoutMs` passes. */
  async hold(options?: ProxyWaitOptions): Promise<HeldProxy> {
    if (!(await this.acquire(options)))
      throw new TimeoutError(`The shared ${this.token.typeid} was not acquired within ${options?.timeoutMs} ms.`);
    let done = false;
    const release = async () => {
      if (done) return;
      done = true;
      await this.release();
    };
    return { release, [Symbol.asyncDispose]: release };
  }
  abstract release(): Promise<void>;
}

/** Proxy of a shared Lock or RLock (Python's AcquirerProxy). */
export class LockProxy extends AcquirableProxy {
  /** NotOwnerError when this process does not hold it. */
  release(): Promise<void> {
    return this.callMethod('release');
  }
  locked(): Promise<boolean> {
    return this.callMethod('locked');
  }
}

/** Proxy of a shared Semaphore or BoundedSemaphore. */
export class SemaphoreProxy extends AcquirableProxy {
  /** Release `n` times (a BoundedSemaphore throws TooManyReleasesError past its initial value). */
  release(n = 1): Promise<void> {
    return this.callMethod('release', [n]);
  }
  getValue(): Promise<number> {
    return this.callMethod('getValue');
  }
}

/** Proxy of a shared Event (Python's EventProxy). */
export class EventProxy extends BaseProxy {
  set(): Promise<void> {
    return this.callMethod('set');
  }
  clear(): Promise<void> {
    return this.callMethod('clear');
  }
  isSet(): Promise<boolean> {
    return this.callMethod('isSet');
  }
  /** Resolves true once set, false when `timeoutMs` passed. */
  wait(options?: ProxyWaitOptions): Promise<boolean> {
    const { timeoutMs, signal } = waitArgs(options);
    return this.callMethod('wait', [timeoutMs], signal);
  }
}

/** Proxy of a shared Condition (Python's ConditionProxy). */
export class ConditionProxy extends AcquirableProxy {
  release(): Promise<void> {
    return this.callMethod('release');
  }
  /** Release the lock, wait for a notify (true) or the timeout (false), take the lock back. */
  wait(options?: ProxyWaitOptions): Promise<boolean> {
    const { timeoutMs, signal } = waitArgs(options);
    return this.callMethod('wait', [timeoutMs], signal);
  }
  /** Wait until `predicate()` is truthy (checked here, with the lock held); returns its last result. */
  async waitFor<R>(predicate: () => R | Promise<R>, options?: ProxyWaitOptions): Promise<R> {
    const { timeoutMs, signal } = waitArgs(options);
    const end = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    let result = await predicate();
    while (!result) {
      const left = end - Date.now();
      if (left <= 0) break;
      await this.wait({ ...(Number.isFinite(left) ? { timeoutMs: left } : {}), ...(signal === undefined ? {} : { signal }) });
      result = await predicate();
    }
    return result;
  }
  notify(n = 1): Promise<void> {
    return this.callMethod('notify', [n]);
  }
  notifyAll(): Promise<void> {
    return this.callMethod('notifyAll');
  }
}

/** Proxy of a shared Barrier (Python's BarrierProxy). */
export class BarrierProxy extends BaseProxy {
  /** Wait for all parties; resolves to this party's index (0 … parties-1). BrokenBarrierError if broken. */
  wait(options?: ProxyWaitOptions): Promise<number> {
    const { timeoutMs, signal } = waitArgs(options);
    return this.callMethod('wait', [timeoutMs], signal);
  }
  reset(): Promise<void> {
    return this.callMethod('reset');
  }
  abort(): Promise<void> {
    return this.callMethod('abort');
  }
  broken(): Promise<boolean> {
    return this.callMethod('broken');
  }
  nWaiting(): Promise<number> {
    return this.callMethod('nWaiting');
  }
  parties(): Promise<number> {
    return this.callMethod('parties');
  }
}

setProxyType('Lock', LockProxy);
setProxyType('RLock', LockProxy);
setProxyType('Semaphore', SemaphoreProxy);
setProxyType('BoundedSemaphore', SemaphoreProxy);
setProxyType('Event', EventProxy);
setProxyType('Condition', ConditionProxy);
setProxyType('Barrier', BarrierProxy);
