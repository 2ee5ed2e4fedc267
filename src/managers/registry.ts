// The typeids a manager class knows (Python's BaseManager._registry, copied into a subclass on
// its first register()), and how each travels to the manager's process.
import { typeError } from '../options.ts';
import { registerFunction } from '../pool/functions.ts';
import { referenceTarget } from '../loading/target.ts';
import { AutoProxy } from './proxies/auto.ts';
import { setProxyType, type ProxyClass } from './proxy.ts';
import type { TypeSpec } from './server-main.ts';

type Factory = (...args: any[]) => unknown;

/** Options of BaseManager.register() (Python's register(typeid, callable, proxytype, exposed, method_to_typeid, create_method)). */
export interface RegisterOptions {
  /** The proxy class (default: AutoProxy, whose methods are the object's exposed ones). */
  proxyType?: ProxyClass;
  /** The methods proxies may call (default: the object's public methods, names not starting with '_'). */
  exposed?: string[];
  /** Methods whose results come back as proxies of the given typeid, not as copies. */
  methodToTypeid?: Record<string, string>;
  /** Add a method named `typeid` to the manager class (default true). */
  createMethod?: boolean;
}

/** One registered typeid. */
export interface Registration {
  typeid: string;
  /** null: the object is passed to create() (Python's callable=None); 'builtin': a Manager type. */
  callable: Factory | null | 'builtin';
  exposed: string[] | null;
  methodToTypeid: Record<string, string> | null;
  proxyType: ProxyClass;
}

const registries = new WeakMap<object, Map<string, Registration>>();

/** The registry of a manager class (its own copy, made from its parent's on first use). */
export function registryOf(cls: object, forWriting = false): Map<string, Registration> {
  let own = registries.get(cls);
  if (own === undefined) {
    const parent = Object.getPrototypeOf(cls) as object | null;
    const inherited = parent !== null && parent !== Function.prototype ? registryOf(parent) : new Map<string, Registration>();
    if (!forWriting) return inherited;
    own = new Map(inherited);
    registries.set(cls, own);
  }
  return own;
}

/** Check register()'s arguments and record the typeid on `cls`. */
export function registerType(
  cls: object,
  typeid: unknown,
  callable: unknown,
  options: RegisterOptions | undefined,
  builtin = false,
): Registration {
  if (typeof typeid !== 'string' || typeid === '') typeError('typeid', 'a non-empty string', typeid);
  if (callable !== undefined && callable !== null && typeof callable !== 'function')
    typeError('callable', 'a function, a class, or null', callable);
  const o = options ?? {};
  if (typeof o !== 'object') typeError('options', 'an object', o);
  if (o.exposed !== undefined && (!Array.isArray(o.exposed) || o.exposed.some((m) => typeof m !== 'string')))
    typeError('exposed', 'an array of method names', o.exposed);
  if (o.methodToTypeid !== undefined && (typeof o.methodToTypeid !== 'object' || o.methodToTypeid === null))
    typeError('methodToTypeid', 'an object of method name -> typeid', o.methodToTypeid);
  if (o.proxyType !== undefined && typeof o.proxyType !== 'function')
    typeError('proxyType', 'a proxy class (extending BaseProxy)', o.proxyType);
  const registration: Registration = {
    typeid,
    callable: builtin ? 'builtin' : ((callable as Factory | undefined) ?? null),
    exposed: o.exposed === undefined ? null : [...o.exposed],
    methodToTypeid: o.methodToTypeid === undefined ? null : { ...o.methodToTypeid },
    proxyType: o.proxyType ?? AutoProxy,
  };
  registryOf(cls, true).set(typeid, registration);
  setProxyType(typeid, registration.proxyType);
  return registration;
}

/** The type specs a manager process of `cls` gets: by id under fork, by reference otherwise. */
export function typeSpecsOf(cls: object, fork: boolean): TypeSpec[] {
  return [...registryOf(cls).values()].map((r) => {
    let create: TypeSpec['create'];
    if (r.callable === 'builtin' || r.callable === null) create = r.callable;
    else if (fork) create = { kind: 'id', id: registerFunction(r.callable) };
    else create = { kind: 'ref', ref: referenceTarget(r.callable, `register('${r.typeid}')`, "a manager's process (spawn/forkserver)") };
    return { typeid: r.typeid, create, exposed: r.exposed, methodToTypeid: r.methodToTypeid };
  });
}
