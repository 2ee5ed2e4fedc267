// The shared dict, list and Namespace as they live in the manager's process: a Map, an array and
// a Map of attributes, with the methods their proxies call (Python's dict/list/Namespace).
import { isDeepStrictEqual } from 'node:util';
import { typeError } from '../../options.ts';

type Key = string | number | bigint | boolean | null | undefined;

function checkKey(key: unknown): Key {
  switch (typeof key) {
    case 'string':
    case 'number':
    case 'bigint':
    case 'boolean':
    case 'undefined':
      return key;
    default:
      if (key === null) return null;
      return typeError('key', 'a string, number, bigint, boolean, null or undefined (keys are compared by value)', key);
  }
}

/** A KeyError-like failure: the key is not in the dict. */
function missing(key: unknown): RangeError {
  return new RangeError(`The key ${typeof key === 'string' ? JSON.stringify(key) : String(key)} is not in the shared dict.`);
}

/** The referent of a dict proxy: a Map from primitive keys to values. */
export class DictReferent {
  readonly #map: Map<Key, unknown>;
  constructor(init?: unknown) {
    this.#map = new Map();
    if (init !== undefined && init !== null) this.update(init);
  }
  get(key: unknown, fallback?: unknown): unknown {
    const k = checkKey(key);
    return this.#map.has(k) ? this.#map.get(k) : fallback;
  }
  getItem(key: unknown): unknown {
    const k = checkKey(key);
    if (!this.#map.has(k)) throw missing(key);
    return this.#map.get(k);
  }
  set(key: unknown, value: unknown): void {
    this.#map.set(checkKey(key), value);
  }
  has(key: unknown): boolean {
    return this.#map.has(checkKey(key));
  }
  delete(key: unknown): boolean {
    return this.#map.delete(checkKey(key));
  }
  pop(key: unknown, ...fallback: unknown[]): unknown {
    const k = checkKey(key);
    if (!this.#map.has(k)) {
      if (fallback.length > 0) return fallback[0];
      throw missing(key);
    }
    const value = this.#map.get(k);
    this.#map.delete(k);
    return value;
  }
  popItem(): [Key, unknown] {
    const last = [...this.#map.keys()].pop();
    if (last === undefined && this.#map.size === 0) throw new RangeError('popItem(): the shared dict is empty.');
    const value = this.#map.get(last);
    this.#map.delete(last);
    return [last, value];
  }
  setDefault(key: unknown, value?: unknown): unknown {
    const k = checkKey(key);
    if (!this.#map.has(k)) this.#map.set(k, value);
    return this.#map.get(k);
  }
  update(other: unknown): void {
    if (other instanceof Map) for (const [k, v] of other) this.set(k, v);
    else if (Array.isArray(other)) for (const pair of other) this.set((pair as unknown[])[0], (pair as unknown[])[1]);
    else if (typeof other === 'object' && other !== null) for (const [k, v] of Object.entries(other)) this.set(k, v);
    else typeError('other', 'a Map, an object or an array of [key, value] pairs', other);
  }
  clear(): void {
    this.#map.clear();
  }
  size(): number {
    return this.#map.size;
  }
  keys(): Key[] {
    return [...this.#map.keys()];
  }
  values(): unknown[] {
    return [...this.#map.values()];
  }
  entries(): [Key, unknown][] {
    return [...this.#map.entries()];
  }
  toMap(): Map<Key, unknown> {
    return new Map(this.#map);
  }
  toObject(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of this.#map) out[String(k)] = v;
    return out;
  }
}

/** The referent of a list proxy: an array, indexed as Python's list (negative from the end). */
export class ListReferent {
  readonly #items: unknown[];
  constructor(init?: unknown) {
    if (init !== undefined && init !== null && typeof (init as Iterable<unknown>)[Symbol.iterator] !== 'function')
      typeError('init', 'an array or iterable', init);
    this.#items = init === undefined || init === null ? [] : [...(init as Iterable<unknown>)];
  }
  #index(index: unknown, forInsert = false): number {
    if (typeof index !== 'number' || !Number.isInteger(index)) typeError('index', 'an integer', index);
    const n = this.#items.length;
    const at = index < 0 ? index + n : index;
    if (forInsert) return Math.min(Math.max(at, 0), n);
    if (at < 0 || at >= n) throw new RangeError(`The index ${index} is out of range for a shared list of length ${n}.`);
    return at;
  }
  get(index: unknown): unknown {
    return this.#items[this.#index(index)];
  }
  set(index: unknown, value: unknown): void {
    this.#items[this.#index(index)] = value;
  }
  push(...values: unknown[]): number {
    return this.#items.push(...values);
  }
  extend(values: unknown): number {
    if (values === null || typeof (values as Iterable<unknown>)[Symbol.iterator] !== 'function')
      typeError('values', 'an array or iterable', values);
    return this.#items.push(...(values as Iterable<unknown>));
  }
  insert(index: unknown, value: unknown): void {
    this.#items.splice(this.#index(index, true), 0, value);
  }
  pop(index: unknown = -1): unknown {
    if (this.#items.length === 0) throw new RangeError('pop(): the shared list is empty.');
    return this.#items.splice(this.#index(index), 1)[0];
  }
  remove(value: unknown): void {
    const at = this.#items.findIndex((item) => isDeepStrictEqual(item, value));
    if (at < 0) throw new RangeError('remove(): the value is not in the shared list.');
    this.#items.splice(at, 1);
  }
  indexOf(value: unknown): number {
    return this.#items.findIndex((item) => isDeepStrictEqual(item, value));
  }
  count(value: unknown): number {
    return this.#items.filter((item) => isDeepStrictEqual(item, value)).length;
  }
  includes(value: unknown): boolean {
    return this.indexOf(value) >= 0;
  }
  reverse(): void {
    this.#items.reverse();
  }
  sort(descending?: unknown): void {
    this.#items.sort(compare);
    if (descending === true) this.#items.reverse();
  }
  splice(start: unknown, deleteCount?: unknown, ...items: unknown[]): unknown[] {
    const at = this.#index(start, true);
    const count = deleteCount === undefined ? this.#items.length - at : Number(deleteCount);
    return this.#items.splice(at, count, ...items);
  }
  clear(): void {
    this.#items.length = 0;
  }
  length(): number {
    return this.#items.length;
  }
  slice(start?: unknown, end?: unknown): unknown[] {
    return this.#items.slice(start as number | undefined, end as number | undefined);
  }
  toArray(): unknown[] {
    return [...this.#items];
  }
}

/** The referent of a Namespace proxy: named attributes. */
export class NamespaceReferent {
  readonly #attributes = new Map<string, unknown>();
  constructor(init?: unknown) {
    if (init !== undefined && init !== null) {
      if (typeof init !== 'object') typeError('attributes', 'an object', init);
      for (const [k, v] of Object.entries(init)) this.#attributes.set(k, v);
    }
  }
  get(name: unknown): unknown {
    if (typeof name !== 'string') typeError('name', 'a string', name);
    if (!this.#attributes.has(name)) throw new RangeError(`The Namespace has no attribute ${JSON.stringify(name)}.`);
    return this.#attributes.get(name);
  }
  set(name: unknown, value: unknown): void {
    if (typeof name !== 'string') typeError('name', 'a string', name);
    this.#attributes.set(name, value);
  }
  has(name: unknown): boolean {
    return typeof name === 'string' && this.#attributes.has(name);
  }
  delete(name: unknown): boolean {
    if (typeof name !== 'string') typeError('name', 'a string', name);
    return this.#attributes.delete(name);
  }
  toObject(): Record<string, unknown> {
    return Object.fromEntries(this.#attributes);
  }
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
