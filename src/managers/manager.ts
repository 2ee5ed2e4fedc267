// Manager (Python's SyncManager, what multiprocessing.Manager() returns): a BaseManager with the
// built-in shared types. Each method creates the object in the manager's process and resolves
// to its proxy: `const d = await m.dict()`.
import type { ElementOf, TypeSpec as ElementTypeSpec } from '../shared-memory/types.ts';
import { typeError } from '../options.ts';
import type { FnSpec } from '../pool/messages.ts';
import { referenceTarget } from '../loading/target.ts';
import { BaseManager } from './base-manager.ts';
import { ArrayProxy, DictProxy, ListProxy, NamespaceProxy, ValueProxy, type DictKey } from './proxies/collections.ts';
import { JoinableQueueProxy, QueueProxy } from './proxies/queue.ts';
import { PoolProxy } from './proxies/pool.ts';
import { BarrierProxy, ConditionProxy, EventProxy, LockProxy, SemaphoreProxy } from './proxies/sync.ts';
import type { ProxyClass } from './proxy.ts';
import { registerType } from './registry.ts';

/**
 * A manager with Python's SyncManager types: dict, list, Namespace, Queue, Lock, Value … held by a
 * server process; proxies reach them from any process.
 * @throws {ProcessStateError} when used before start() or after shutdown().
 * @example
 * await using m = await Manager.start(); // the manager's process ends with this block
 * const counts = await m.dict<string, number>();
 * const p = new Process({ target: count, args: [counts] }); // export async function count(d: DictProxy<string, number>) { await d.set('x', 1); }
 * p.start();
 * await p.join();
 * console.log(await counts.get('x')); // 1
 */
export class Manager extends BaseManager {
  /** A shared dict (a Map of primitive keys), optionally filled from a Map, an object or entries. */
  dict<K extends DictKey = string, V = unknown>(init?: Map<K, V> | Record<string, V> | [K, V][]): Promise<DictProxy<K, V>> {
    return this.create('dict', ...(init === undefined ? [] : [init]));
  }
  /** A shared list, optionally filled from an array. */
  list<T = unknown>(init?: Iterable<T>): Promise<ListProxy<T>> {
    return this.create('list', ...(init === undefined ? [] : [[...init]]));
  }
  /** A shared Namespace (named attributes). */
  Namespace<T extends Record<string, unknown> = Record<string, unknown>>(init?: Partial<T>): Promise<NamespaceProxy<T>> {
    return this.create('Namespace', ...(init === undefined ? [] : [init]));
  }
  /** A shared number of an element type ('i32', 'f64', 'i64' … or Python's 'i', 'd'). */
  Value<S extends ElementTypeSpec>(type: S, initial?: ElementOf<S>): Promise<ValueProxy<ElementOf<S>>> {
    return this.create('Value', type, ...(initial === undefined ? [] : [initial]));
  }
  /** A shared fixed-length array of an element type. */
  Array<S extends ElementTypeSpec>(type: S, lengthOrValues: number | ElementOf<S>[]): Promise<ArrayProxy<ElementOf<S>>> {
    return this.create('Array', type, lengthOrValues);
  }
  /** A shared FIFO queue (maxsize 0: no limit). */
  Queue<T = unknown>(maxsize = 0): Promise<QueueProxy<T>> {
    return this.create('Queue', maxsize);
  }
  /** A shared queue with taskDone()/join(). */
  JoinableQueue<T = unknown>(maxsize = 0): Promise<JoinableQueueProxy<T>> {
    return this.create('JoinableQueue', maxsize);
  }
  Lock(): Promise<LockProxy> {
    return this.create('Lock');
  }
  /** A lock the holding process may acquire again. */
  RLock(): Promise<LockProxy> {
    return this.create('RLock');
  }
  Semaphore(value = 1): Promise<SemaphoreProxy> {
    return this.create('Semaphore', value);
  }
  BoundedSemaphore(value = 1): Promise<SemaphoreProxy> {
    return this.create('BoundedSemaphore', value);
  }
  Event(): Promise<EventProxy> {
    return this.create('Event');
  }
  /** A shared Condition over a new RLock, or over `lock` (a Lock or RLock of this manager). */
  Condition(lock?: LockProxy): Promise<ConditionProxy> {
    return this.create('Condition', ...(lock === undefined ? [] : [lock]));
  }
  /**
   * A shared Barrier for `parties`: a default `timeoutMs` for its waits, and an `action` run in the
   * manager's process by the last party to arrive before the others are released (as Python's,
   * whose action runs in the manager too). The action travels by reference: export it.
   */
  Barrier(parties: number, options: { timeoutMs?: number; action?: () => unknown } = {}): Promise<BarrierProxy> {
    if (typeof options !== 'object' || options === null) typeError('options', 'an object', options);
    const { action } = options;
    if (action === undefined) return this.create('Barrier', parties, options.timeoutMs);
    if (typeof action !== 'function') typeError('action', 'a function', action);
    const spec: FnSpec = { kind: 'ref', ref: referenceTarget(action, 'action', "a manager's process") };
    return this.create('Barrier', parties, options.timeoutMs, spec);
  }
  /**
   * A Pool whose workers run under the manager's process, shared by every process holding its
   * proxy (Python's SyncManager.Pool). `initializer` and the functions it runs travel by
   * reference: export them. Terminated when no proxy holds it any more, or at shutdown.
   */
  Pool(
    options: { processes?: number; initializer?: (...args: any[]) => unknown; initargs?: unknown[]; maxTasksPerChild?: number } = {},
  ): Promise<PoolProxy> {
    if (typeof options !== 'object' || options === null) typeError('options', 'an object', options);
    const { initializer, ...rest } = options;
    if (initializer !== undefined && typeof initializer !== 'function') typeError('initializer', 'a function', initializer);
    const spec: FnSpec | null =
      initializer === undefined ? null : { kind: 'ref', ref: referenceTarget(initializer, 'initializer', "a manager's Pool") };
    return this.create('Pool', { ...rest, initializer: spec });
  }
}

/** Python's name for the manager class with the built-in types. */
export const SyncManager = Manager;

const BUILTINS: [string, ProxyClass][] = [
  ['dict', DictProxy],
  ['list', ListProxy],
  ['Namespace', NamespaceProxy],
  ['Value', ValueProxy],
  ['Array', ArrayProxy],
  ['Queue', QueueProxy],
  ['JoinableQueue', JoinableQueueProxy],
  ['Lock', LockProxy],
  ['RLock', LockProxy],
  ['Semaphore', SemaphoreProxy],
  ['BoundedSemaphore', SemaphoreProxy],
  ['Event', EventProxy],
  ['Condition', ConditionProxy],
  ['Barrier', BarrierProxy],
  ['Pool', PoolProxy],
];
for (const [typeid, proxyType] of BUILTINS) registerType(Manager, typeid, null, { proxyType }, true);
