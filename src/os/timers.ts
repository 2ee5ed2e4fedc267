// Tracks every timer and immediate created through the public timer functions, so that a forked
// child can clear the ones it inherited: Node 20 lists no timers in process._getActiveHandles()
// and gives JS no other handle on its timer lists. The tracked functions are installed on
// globalThis, on the `node:timers` module object (ESM named imports follow through
// syncBuiltinESMExports) and on `node:timers/promises` (setTimeout, setImmediate, scheduler.wait,
// scheduler.yield), whose promises then simply never settle in a child.
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { promisify } from 'node:util';

type AnyFn = (...args: any[]) => any;
interface TimerLike {
  _destroyed?: boolean;
  unref?: () => unknown;
}
interface Registry {
  live: Set<TimerLike>;
  sweepAt: number;
  clearTimeout: AnyFn;
  clearImmediate: AnyFn;
}

// One registry per process even if several copies of multiproc are loaded (ESM and CJS builds).
const KEY = Symbol.for('multiproc.os.timers');
const require = createRequire(import.meta.url);

function registry(): Registry | undefined {
  return (globalThis as Record<symbol, Registry | undefined>)[KEY];
}

function track<T>(registry: Registry, timer: T): T {
  registry.live.add(timer as TimerLike);
  if (registry.live.size >= registry.sweepAt) {
    for (const t of registry.live) if (t._destroyed === true) registry.live.delete(t);
    registry.sweepAt = Math.max(1024, registry.live.size * 2);
  }
  return timer;
}

function named<F extends AnyFn>(name: string, length: number, fn: F): F {
  Object.defineProperty(fn, 'name', { value: name });
  Object.defineProperty(fn, 'length', { value: length });
  return fn;
}

/** Wrap the timer functions (once per process); done at module load in processes that may fork. */
export function installTimerTracking(): void {
  if (registry() !== undefined) return;
  const timers = require('node:timers') as typeof import('node:timers') & Record<string, AnyFn>;
  const promises = require('node:timers/promises') as typeof import('node:timers/promises') & Record<string, unknown>;
  const original = {
    setTimeout: timers.setTimeout as AnyFn,
    setInterval: timers.setInterval as AnyFn,
    setImmediate: timers.setImmediate as AnyFn,
    clearTimeout: timers.clearTimeout as AnyFn,
    clearInterval: timers.clearInterval as AnyFn,
    clearImmediate: timers.clearImmediate as AnyFn,
    promiseTimeout: promises.setTimeout as AnyFn,
    promiseImmediate: promises.setImmediate as AnyFn,
  };
  const reg: Registry = { live: new Set(), sweepAt: 1024, clearTimeout: original.clearTimeout, clearImmediate: original.clearImmediate };
  (globalThis as Record<symbol, Registry>)[KEY] = reg;

  const untrack = (clear: AnyFn) => (timer: unknown) => {
    clear(timer);
    if (typeof timer === 'object' && timer !== null) reg.live.delete(timer);
  };
  const wrapped: Record<string, AnyFn> = {
    setTimeout: named('setTimeout', 2, (...args: unknown[]): unknown => track(reg, original.setTimeout(...args) as TimerLike)),
    setInterval: named('setInterval', 2, (...args: unknown[]): unknown => track(reg, original.setInterval(...args) as TimerLike)),
    setImmediate: named('setImmediate', 1, (...args: unknown[]): unknown => track(reg, original.setImmediate(...args) as TimerLike)),
    clearTimeout: named('clearTimeout', 1, untrack(original.clearTimeout)),
    clearInterval: named('clearInterval', 1, untrack(original.clearInterval)),
    clearImmediate: named('clearImmediate', 1, untrack(original.clearImmediate)),
  };

  // Promise timers built on the tracked callbacks; validation and AbortError come from Node's own
  // functions, which are called whenever the options are invalid or the signal is already aborted.
  type Options = { signal?: AbortSignal; ref?: boolean } | undefined;
  const valid = (options: unknown): options is Options =>
    options === undefined ||
    (typeof options === 'object' &&
      options !== null &&
      ((options as Options)!.signal === undefined || (options as Options)!.signal instanceof AbortSignal) &&
      ((options as Options)!.ref === undefined || typeof (options as Options)!.ref === 'boolean'));
  const promiseTimer = (
    start: (done: () => void) => TimerLike,
    clear: AnyFn,
    fallback: () => Promise<unknown>,
    value: unknown,
    options: Options,
  ) =>
    new Promise((resolve, reject) => {
      const signal = options?.signal;
      const onAbort = () => {
        clear(timer);
        fallback().then(resolve, reject); // rejects with Node's own AbortError
      };
      const timer = start(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      });
      if (options?.ref === false) timer.unref?.();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  const promiseTimeout = named('setTimeout', 0, (delay?: number, value?: unknown, options?: Options): Promise<unknown> => {
    if (!valid(options) || options?.signal?.aborted) return original.promiseTimeout(delay, value, options) as Promise<unknown>;
    return promiseTimer(
      (done) => wrapped['setTimeout']!(done, delay) as TimerLike,
      wrapped['clearTimeout']!,
      () => original.promiseTimeout(delay, value, options) as Promise<unknown>,
      value,
      options,
    );
  });
  const promiseImmediate = named('setImmediate', 0, (value?: unknown, options?: Options): Promise<unknown> => {
    if (!valid(options) || options?.signal?.aborted) return original.promiseImmediate(value, options) as Promise<unknown>;
    return promiseTimer(
      (done) => wrapped['setImmediate']!(done) as TimerLike,
      wrapped['clearImmediate']!,
      () => original.promiseImmediate(value, options) as Promise<unknown>,
      value,
      options,
    );
  });
  Object.defineProperty(wrapped['setTimeout'], promisify.custom, { value: promiseTimeout, configurable: true });
  Object.defineProperty(wrapped['setImmediate'], promisify.custom, { value: promiseImmediate, configurable: true });

  for (const [name, fn] of Object.entries(wrapped)) {
    (globalThis as unknown as Record<string, AnyFn>)[name] = fn;
    (timers as Record<string, AnyFn>)[name] = fn;
  }
  promises.setTimeout = promiseTimeout as typeof promises.setTimeout;
  promises.setImmediate = promiseImmediate as typeof promises.setImmediate;
  const scheduler = promises.scheduler as unknown as Record<string, AnyFn> | undefined;
  if (scheduler) {
    scheduler['wait'] = named('wait', 0, (delay: number, options?: Options) => promiseTimeout(delay, undefined, options));
    scheduler['yield'] = named('yield', 0, () => promiseImmediate());
  }
  syncBuiltinESMExports();
}

/** In a forked child: clear every timer and immediate inherited from the parent. */
export function clearInheritedTimers(): number {
  const reg = registry();
  if (reg === undefined) return 0;
  let cleared = 0;
  for (const timer of reg.live) {
    if (timer._destroyed === true) continue;
    if (timer.constructor.name === 'Immediate') reg.clearImmediate(timer);
    else reg.clearTimeout(timer);
    cleared++;
  }
  reg.live.clear();
  return cleared;
}
