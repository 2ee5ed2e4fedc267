// AutoProxy (Python's AutoProxy): the proxy of a registered type without a proxy class of its
// own; every exposed method of the object becomes an async method of the proxy.
import type { ManagerClient } from '../client.ts';
import { BaseProxy, setFallbackProxyType, type Token } from '../proxy.ts';

/** The proxy's view of a registered object: each method returns a Promise of its result. */
export type Remote<T> = {
  [K in keyof T as T[K] extends (...args: any[]) => unknown ? K : never]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
} & BaseProxy;

const own = new Set<string | symbol>(['then']);

/** A proxy whose methods are the object's exposed ones, called by name. */
export class AutoProxy extends BaseProxy {
  constructor(token: Token, client: ManagerClient | null, exposed: readonly string[] | null) {
    super(token, client, exposed);
    return new Proxy(this, {
      get(target, key) {
        if (typeof key === 'symbol' || own.has(key) || key in target) {
          // The target's own members, on the target itself (its #private fields are not the Proxy's).
          const value = Reflect.get(target, key) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        }
        if (target.exposed !== null && !target.exposed.includes(key)) return undefined;
        return (...args: unknown[]) => target.callMethod(key, args);
      },
    });
  }
}

setFallbackProxyType(AutoProxy);
