// The types a manager can create (Python's BaseManager._registry): each typeid names a callable
// run in the manager's process, the methods its proxies may call (`exposed`), and methods whose
// results come back as proxies (`methodToTypeid`). Built-in typeids are known to every manager's
// process by name; registered ones travel to it by reference (as Pool functions do).
import type { FnSpec } from '../pool/messages.ts';
import { resolveFunction } from '../pool/functions.ts';
import { DictReferent, ListReferent, NamespaceReferent } from './referents/collections.ts';
import { BarrierReferent, ConditionReferent } from './referents/conditions.ts';
import { EventReferent, LockReferent, SemaphoreReferent } from './referents/locks.ts';
import { PoolReferent } from './referents/pool.ts';
import { QueueReferent } from './referents/queue.ts';
import { ArrayReferent, ValueReferent } from './referents/values.ts';

type Factory = (...args: any[]) => unknown;

/** How the manager's process makes and exposes one typeid. */
export interface ServerType {
  /** Makes the object (a class is constructed with `new`); null: the object is the first argument. */
  create: Factory | null;
  exposed: readonly string[] | null;
  methodToTypeid: Readonly<Record<string, string>> | null;
}

/** The typeids every Manager (Python's SyncManager) has, made in the manager's process. */
export const BUILTIN_TYPES: Readonly<Record<string, ServerType>> = {
  dict: builtin((init?: unknown) => new DictReferent(init)),
  list: builtin((init?: unknown) => new ListReferent(init)),
  Namespace: builtin((init?: unknown) => new NamespaceReferent(init)),
  Value: builtin((type: unknown, initial?: unknown) => new ValueReferent(type, initial)),
  Array: builtin((type: unknown, lengthOrValues: unknown) => new ArrayReferent(type, lengthOrValues)),
  Queue: builtin((maxsize?: unknown) => new QueueReferent(maxsize)),
  JoinableQueue: builtin((maxsize?: unknown) => new QueueReferent(maxsize)),
  Lock: builtin(() => new LockReferent(false)),
  RLock: builtin(() => new LockReferent(true)),
  Semaphore: builtin((value?: unknown) => new SemaphoreReferent(value, false)),
  BoundedSemaphore: builtin((value?: unknown) => new SemaphoreReferent(value, true)),
  Event: builtin(() => new EventReferent()),
  Condition: builtin((lock?: unknown) => new ConditionReferent(lock)),
  Pool: builtin((options?: unknown) => PoolReferent.create(options)),
  Barrier: builtin(
    async (parties: unknown, timeoutMs?: unknown, action?: FnSpec | null) =>
      new BarrierReferent(parties, timeoutMs, action === undefined || action === null ? null : await resolveFunction(action)),
  ),
};

function builtin(create: Factory): ServerType {
  return { create, exposed: null, methodToTypeid: null };
}

/** Make an object with `create` (a class is constructed, a function called). */
export function callFactory(create: Factory, args: unknown[]): unknown {
  return isClass(create) ? Reflect.construct(create, args) : create(...args);
}

/** True for a `class` (which must be called with `new`). */
export function isClass(fn: Factory): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

/** Python's public_methods(): the names of an object's methods that do not start with '_'. */
export function publicMethods(object: unknown): string[] {
  const names = new Set<string>();
  for (let o: unknown = object; o !== null && o !== undefined && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name === 'constructor' || name.startsWith('_')) continue;
      const descriptor = Object.getOwnPropertyDescriptor(o, name);
      if (descriptor !== undefined && typeof descriptor.value === 'function') names.add(name);
    }
  }
  return [...names];
}
