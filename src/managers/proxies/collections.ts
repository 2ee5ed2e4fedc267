// Proxies of the shared dict, list, Namespace, Value and Array: async methods with TypeScript's
// names (Map's get/set/has/delete, Array's push/pop/slice); docs/DECISIONS.md maps Python's.
import type { ElementType } from '../../shared-memory/types.ts';
import { BaseProxy, setProxyType } from '../proxy.ts';

/** A dict key: compared by value in the manager (Python's hashable keys). */
export type DictKey = string | number | bigint | boolean | null | undefined;

/** Proxy of a shared dict (Python's DictProxy); `for await` gives its [key, value] entries. */
export class DictProxy<K extends DictKey = DictKey, V = unknown> extends BaseProxy implements AsyncIterable<[K, V]> {
  /** The value of `key`, or `fallback` (undefined) when absent (Python's d.get(key, default)). */
  get(key: K, fallback?: V): Promise<V | undefined> {
    return this.callMethod('get', fallback === undefined ? [key] : [key, fallback]);
  }
  /** The value of `key`; RangeError when absent (Python's d[key] and its KeyError). */
  getItem(key: K): Promise<V> {
    return this.callMethod('getItem', [key]);
  }
  /** d[key] = value. */
  set(key: K, value: V): Promise<void> {
    return this.callMethod('set', [key, value]);
  }
  /** key in d. */
  has(key: K): Promise<boolean> {
    return this.callMethod('has', [key]);
  }
  /** del d[key]; false when it was absent. */
  delete(key: K): Promise<boolean> {
    return this.callMethod('delete', [key]);
  }
  /** Remove `key` and return its value (`fallback` if absent; RangeError without one). */
  pop(key: K, ...fallback: [V?]): Promise<V> {
    return this.callMethod('pop', [key, ...fallback]);
  }
  /** Remove and return the last inserted [key, value]. */
  popItem(): Promise<[K, V]> {
    return this.callMethod('popItem');
  }
  /** The value of `key`, setting it to `value` first when absent. */
  setDefault(key: K, value: V): Promise<V> {
    return this.callMethod('setDefault', [key, value]);
  }
  /** Set every entry of a Map, an object or [key, value] pairs. */
  update(entries: Map<K, V> | Record<string, V> | [K, V][]): Promise<void> {
    return this.callMethod('update', [entries]);
  }
  clear(): Promise<void> {
    return this.callMethod('clear');
  }
  /** len(d). */
  size(): Promise<number> {
    return this.callMethod('size');
  }
  keys(): Promise<K[]> {
    return this.callMethod('keys');
  }
  values(): Promise<V[]> {
    return this.callMethod('values');
  }
  entries(): Promise<[K, V][]> {
    return this.callMethod('entries');
  }
  /** A copy as a Map (Python's d.copy()). */
  toMap(): Promise<Map<K, V>> {
    return this.callMethod('toMap');
  }
  /** A copy as a plain object (keys as strings). */
  toObject(): Promise<Record<string, V>> {
    return this.callMethod('toObject');
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<[K, V], void, undefined> {
    yield* await this.entries();
  }
}

/** Proxy of a shared list (Python's ListProxy); indexes may be negative; `for await` gives its items. */
export class ListProxy<T = unknown> extends BaseProxy implements AsyncIterable<T> {
  /** l[i]; RangeError out of range. */
  get(index: number): Promise<T> {
    return this.callMethod('get', [index]);
  }
  /** l[i] = value. */
  set(index: number, value: T): Promise<void> {
    return this.callMethod('set', [index, value]);
  }
  /** Append items (Python's append/extend); resolves to the new length. */
  push(...items: T[]): Promise<number> {
    return this.callMethod('push', items);
  }
  /** Append every item of an array. */
  extend(items: T[]): Promise<number> {
    return this.callMethod('extend', [items]);
  }
  insert(index: number, value: T): Promise<void> {
    return this.callMethod('insert', [index, value]);
  }
  /** Remove and return the item at `index` (default: the last). */
  pop(index?: number): Promise<T> {
    return this.callMethod('pop', index === undefined ? [] : [index]);
  }
  /** Remove the first item equal to `value` (deep equality); RangeError when none is. */
  remove(value: T): Promise<void> {
    return this.callMethod('remove', [value]);
  }
  /** Position of the first item equal to `value`, or -1. */
  indexOf(value: T): Promise<number> {
    return this.callMethod('indexOf', [value]);
  }
  count(value: T): Promise<number> {
    return this.callMethod('count', [value]);
  }
  includes(value: T): Promise<boolean> {
    return this.callMethod('includes', [value]);
  }
  reverse(): Promise<void> {
    return this.callMethod('reverse');
  }
  /** Sort numbers numerically, anything else by its string (Python's sort(reverse)). */
  sort(options: { reverse?: boolean } = {}): Promise<void> {
    return this.callMethod('sort', [options.reverse === true]);
  }
  splice(start: number, deleteCount?: number, ...items: T[]): Promise<T[]> {
    return this.callMethod('splice', deleteCount === undefined ? [start] : [start, deleteCount, ...items]);
  }
  clear(): Promise<void> {
    return this.callMethod('clear');
  }
  /** len(l). */
  length(): Promise<number> {
    return this.callMethod('length');
  }
  /** l[start:end] (Array.prototype.slice rules). */
  slice(start?: number, end?: number): Promise<T[]> {
    return this.callMethod('slice', [start, end]);
  }
  toArray(): Promise<T[]> {
    return this.callMethod('toArray');
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    yield* await this.toArray();
  }
}

/** Proxy of a shared Namespace (Python's NamespaceProxy, whose attributes are get/set here). */
export class NamespaceProxy<T extends Record<string, unknown> = Record<string, unknown>> extends BaseProxy {
  /** ns.name; RangeError when it has no such attribute. */
  get<N extends keyof T & string>(name: N): Promise<T[N]> {
    return this.callMethod('get', [name]);
  }
  set<N extends keyof T & string>(name: N, value: T[N]): Promise<void> {
    return this.callMethod('set', [name, value]);
  }
  has(name: string): Promise<boolean> {
    return this.callMethod('has', [name]);
  }
  delete(name: keyof T & string): Promise<boolean> {
    return this.callMethod('delete', [name]);
  }
  /** Every attribute, as a plain object. */
  toObject(): Promise<Partial<T>> {
    return this.callMethod('toObject');
  }
}

/** Proxy of a shared Value (Python's ValueProxy). */
export class ValueProxy<T extends number | bigint = number> extends BaseProxy {
  get(): Promise<T> {
    return this.callMethod('get');
  }
  set(value: T): Promise<void> {
    return this.callMethod('set', [value]);
  }
  /** Add `delta` in the manager and return the new value (no lost update between get and set). */
  add(delta: T): Promise<T> {
    return this.callMethod('add', [delta]);
  }
  /** The element type ('i32', 'f64' …). */
  type(): Promise<ElementType> {
    return this.callMethod('type');
  }
}

/** Proxy of a shared Array (Python's ArrayProxy): fixed length, elements of one numeric type. */
export class ArrayProxy<T extends number | bigint = number> extends BaseProxy implements AsyncIterable<T> {
  get(index: number): Promise<T> {
    return this.callMethod('get', [index]);
  }
  set(index: number, value: T): Promise<void> {
    return this.callMethod('set', [index, value]);
  }
  length(): Promise<number> {
    return this.callMethod('length');
  }
  slice(start?: number, end?: number): Promise<T[]> {
    return this.callMethod('slice', [start, end]);
  }
  toArray(): Promise<T[]> {
    return this.callMethod('toArray');
  }
  type(): Promise<ElementType> {
    return this.callMethod('type');
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    yield* await this.toArray();
  }
}

setProxyType('dict', DictProxy);
setProxyType('list', ListProxy);
setProxyType('Namespace', NamespaceProxy);
setProxyType('Value', ValueProxy);
setProxyType('Array', ArrayProxy);
