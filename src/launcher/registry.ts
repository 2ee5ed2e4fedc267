// The start methods by name, and which one a Process uses. The implementations register
// themselves (launcher/all.ts, imported by the public entry): a spawned child's bootstrap needs
// Process but none of them, and starts faster without loading them.
import { StartMethodError } from '../errors.ts';
import { availableStartMethods, platformDefaultMethod, type StartMethod } from '../start-methods.ts';
import { globalState } from '../state.ts';
import type { StartMethodImpl } from './launcher.ts';

const impls = new Map<StartMethod, StartMethodImpl>();

/** Plug in a start method's implementation. */
export function registerStartMethod(impl: StartMethodImpl): void {
  impls.set(impl.name, impl);
}

/** The implementation of `method`; a StartMethodError says why it is missing. */
export function startMethodImpl(method: StartMethod): StartMethodImpl {
  const impl = impls.get(method);
  if (impl === undefined) {
    const why = availableStartMethods().includes(method) ? 'not implemented in this build' : 'it needs the native addon on Linux';
    throw new StartMethodError(`The '${method}' start method is not available here (${why}); use 'spawn' instead.`, {
      startMethod: method,
    });
  }
  return impl;
}

/** The implementation of `method`, checked usable here; a StartMethodError says why not. */
export function usableStartMethod(method: StartMethod): StartMethodImpl {
  const impl = startMethodImpl(method);
  const why = impl.unavailableReason();
  if (why !== null) throw new StartMethodError(why, { startMethod: method });
  return impl;
}

/** The method a Process uses: its context's, else the one set by setStartMethod, else the default. */
export function resolveStartMethod(fromContext: StartMethod | undefined): StartMethod {
  if (fromContext !== undefined) return fromContext;
  const chosen = globalState().defaultMethod;
  if (chosen !== null) return chosen;
  const fallback = platformDefaultMethod();
  return impls.has(fallback) && impls.get(fallback)?.unavailableReason() === null ? fallback : 'spawn';
}
