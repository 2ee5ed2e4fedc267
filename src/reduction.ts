// How values reach a child: structured clone (v8.serialize) for plain data, and reduction for
// multiproc's shareable objects (Connection, Queue, Lock, SharedMemory, Value …), which turn
// into a handle (an fd, a shm name) and are rebuilt in the child. One walk does both: it finds
// the shareables and names the first value that cannot travel (`args[1].cb`).
import { deserialize, serialize } from 'node:v8';
import { isClassPrototype, rebuildInstance, reduceInstance, type ClassTag } from './classes.ts';
import { SerializationError } from './errors.ts';
import { loadNative } from './native/binding.ts';

/** Implemented by shareable objects: reduce to a handle a child can rebuild. */
export const kReduce = Symbol.for('multiproc.reduce');

/** A shareable object's handle: a registered `kind`, cloneable `data`, and fds to transfer. */
export interface HandleDescriptor {
  kind: string;
  data: unknown;
  /** File descriptors of this process the child needs (passed by inheritance or SCM_RIGHTS). */
  fds: number[];
}

/** An object that can be sent to a child as an argument. */
export interface Shareable {
  [kReduce](): HandleDescriptor;
}

/** A handle as the child receives it: the same data, with the fds as numbered in the child. */
export interface ReceivedHandle {
  kind: string;
  data: unknown;
  fds: number[];
}

type Rebuilder = (handle: ReceivedHandle) => unknown;
type Reducer = (value: object) => HandleDescriptor | undefined;

const rebuilders = new Map<string, Rebuilder>();
const reducers: Reducer[] = [];

/** Register how a kind of handle is rebuilt in a child. */
export function registerRebuilder(kind: string, rebuild: Rebuilder): void {
  rebuilders.set(kind, rebuild);
}

// Work a rebuilt object still does asynchronously (a Barrier importing its action by reference).
const rebuildWork = new Set<Promise<unknown>>();

/** A rebuilt object's asynchronous completion, which a Process child awaits before running its target. */
export function rebuildPending(work: Promise<unknown>): void {
  const settled = work.then(
    () => undefined,
    () => undefined,
  );
  rebuildWork.add(settled);
  void settled.then(() => rebuildWork.delete(settled));
}

/** Resolves once the rebuilt objects' pending work has settled (failures are theirs to report). */
export async function rebuildsSettled(): Promise<void> {
  while (rebuildWork.size > 0) await Promise.all([...rebuildWork]);
}

/** Register a reducer for values that cannot carry kReduce (e.g. typed arrays over shared memory). */
export function registerReducer(reduce: Reducer): void {
  reducers.push(reduce);
}

const placeholderKey = '\u0000multiproc.handle';
const classKey = '\u0000multiproc.class';
/** A handle with no object behind it: sent when only class instances need rebuilding (see fill). */
const FILL = 'multiproc.fill';

/** Where a value goes: whether fds can go with it (a socket: yes; a Queue's shared ring: no), and what to do instead. */
export interface Channel {
  fds: boolean;
  /** For refusals: what to do instead (`send it over a Connection …`). */
  instead?: string;
}

/** What reduceForChild produces: the serialized payload, the handles, and every fd to pass. */
export interface Reduced {
  payload: Buffer;
  handles: HandleDescriptor[];
}

/**
 * Serialize `root` (whose top-level keys name the parts: `args`, `this` …) for a child started by
 * `sentTo` (for messages: "a spawned process"). Throws SerializationError naming the culprit.
 */
export function reduceForChild(root: Record<string, unknown>, sentTo: string, channel: Channel = { fds: true }): Reduced {
  const handles: HandleDescriptor[] = [];
  let classes = false;
  const seen = new Map<object, unknown>();
  const walk = (value: unknown, path: string): unknown => {
    switch (typeof value) {
      case 'function':
        throw new SerializationError(path, `${path}: functions cannot be sent to ${sentTo}${forkHint(sentTo)}.`);
      case 'symbol':
        throw new SerializationError(path, `${path}: symbols cannot be sent to ${sentTo}.`);
      case 'object':
        break;
      default:
        return value;
    }
    if (value === null) return value;
    if (seen.has(value)) return seen.get(value);
    let shared: HandleDescriptor | undefined;
    try {
      shared = reduceShareable(value);
    } catch (error) {
      if (error instanceof SerializationError) throw error;
      throw new SerializationError(path, `${path}: ${(error as Error).message}`, { cause: error });
    }
    if (shared !== undefined && !channel.fds && shared.fds.length > 0) shared = withoutFds(value, shared, path, sentTo, channel);
    if (shared !== undefined) {
      const placeholder = { [placeholderKey]: handles.length };
      handles.push(shared);
      seen.set(value, placeholder);
      return placeholder;
    }
    const refusal = refuse(value);
    if (refusal !== null) throw new SerializationError(path, `${path}: ${refusal} cannot be sent to ${sentTo}.`);
    if (isOpaque(value)) {
      seen.set(value, value);
      return value;
    }
    if (value instanceof Map) {
      const out = new Map<unknown, unknown>();
      seen.set(value, out);
      let changed = false;
      for (const [k, v] of value) {
        const label = typeof k === 'string' ? JSON.stringify(k) : String(k);
        const nk = walk(k, `${path}.keys(${label})`);
        const nv = walk(v, `${path}.get(${label})`);
        changed ||= nk !== k || nv !== v;
        out.set(nk, nv);
      }
      return finish(value, out, changed);
    }
    if (value instanceof Set) {
      const out = new Set<unknown>();
      seen.set(value, out);
      let changed = false;
      let index = 0;
      for (const v of value) {
        const nv = walk(v, `${path}.values()[${index++}]`);
        changed ||= nv !== v;
        out.add(nv);
      }
      return finish(value, out, changed);
    }
    const isArray = Array.isArray(value);
    if (!isArray && isClassPrototype(Object.getPrototypeOf(value))) {
      const { tag, state } = reduceInstance(value, path, sentTo);
      const placeholder: Record<string, unknown> = { [classKey]: tag };
      seen.set(value, placeholder);
      placeholder.s = walk(state, path);
      classes = true;
      return placeholder;
    }
    const out: Record<string, unknown> = isArray ? ([] as unknown as Record<string, unknown>) : {};
    seen.set(value, out);
    let changed = false;
    for (const key of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[key];
      const nv = walk(v, isArray ? `${path}[${key}]` : `${path}${propertyPath(key)}`);
      changed ||= nv !== v;
      out[key] = nv;
    }
    return finish(value, out, changed);
  };
  // Containers are copied only where a shareable was replaced inside them.
  const finish = (original: object, copy: unknown, changed: boolean): unknown => {
    if (!changed) {
      seen.set(original, original);
      return original;
    }
    return copy;
  };
  const tree: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(root)) tree[key] = walk(value, key);
  if (classes && handles.length === 0) handles.push({ kind: FILL, data: null, fds: [] });
  let payload: Buffer;
  try {
    payload = serialize(tree);
  } catch (error) {
    throw new SerializationError(
      Object.keys(root).join(', '),
      `${Object.keys(root).join(', ')}: a value cannot be sent to ${sentTo}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { payload, handles };
}

/** In the child: the object one handle describes (also for a handle nested in another's data). */
export function rebuildHandle(handle: ReceivedHandle): unknown {
  const rebuild = rebuilders.get(handle.kind);
  if (rebuild === undefined)
    throw new TypeError(`No way to rebuild a shared \`${handle.kind}\` in this process: is multiproc's version the same as the parent's?`);
  return rebuild(handle);
}

/** In the child: rebuild the handles and the values that referred to them (classes still importing: see rebuildsSettled). */
export function rebuildInChild(payload: Uint8Array, handles: ReceivedHandle[]): Record<string, unknown> {
  const { tree, ready } = rebuildValues(payload, handles);
  if (ready !== null) rebuildPending(ready);
  return tree;
}

/** Rebuild the handles and the values that referred to them; `ready` settles once every class instance has its prototype (null: at once). */
export function rebuildValues(
  payload: Uint8Array,
  handles: ReceivedHandle[],
): { tree: Record<string, unknown>; ready: Promise<void> | null } {
  const objects: unknown[] = [];
  try {
    for (const handle of handles) objects.push(handle.kind === FILL ? null : rebuildHandle(handle));
  } catch (error) {
    closeUnused(handles.slice(objects.length + 1)); // the failed one's rebuilder owns its fds
    throw error;
  }
  const tree = deserialize(payload) as Record<string, unknown>;
  if (handles.length === 0) return { tree, ready: null };
  const later: Promise<void>[] = [];
  const rebuilt = new Map<object, unknown>();
  const seen = new Set<object>();
  const fill = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value;
    if (Object.prototype.hasOwnProperty.call(value, placeholderKey))
      return objects[(value as Record<string, number>)[placeholderKey] ?? -1];
    if (Object.prototype.hasOwnProperty.call(value, classKey)) {
      if (rebuilt.has(value)) return rebuilt.get(value);
      const instance = rebuildInstance((value as Record<string, ClassTag>)[classKey] as ClassTag, fill((value as { s: unknown }).s));
      rebuilt.set(value, instance.value);
      if (instance.later !== null) later.push(instance.later);
      return instance.value;
    }
    if (seen.has(value) || isOpaque(value)) return value;
    seen.add(value);
    if (value instanceof Map) {
      for (const [k, v] of [...value]) {
        value.delete(k);
        value.set(fill(k), fill(v));
      }
    } else if (value instanceof Set) {
      const items = [...value];
      value.clear();
      for (const v of items) value.add(fill(v));
    } else {
      for (const key of Object.keys(value)) (value as Record<string, unknown>)[key] = fill((value as Record<string, unknown>)[key]);
    }
    return value;
  };
  const filled = fill(tree) as Record<string, unknown>;
  return { tree: filled, ready: later.length === 0 ? null : Promise.all(later).then(() => undefined) };
}

/** Close the fds of handles that were received but will not be rebuilt. */
export function closeUnused(handles: ReceivedHandle[]): void {
  const native = loadNative();
  for (const handle of handles)
    for (const fd of handle.fds) {
      try {
        native?.close(fd);
      } catch {
        // already closed
      }
    }
}

// A shareable going where fds cannot (a Queue's ring): by name when it has one, else refused.
function withoutFds(value: object, handle: HandleDescriptor, path: string, sentTo: string, channel: Channel): HandleDescriptor {
  if (handle.kind === 'shared-memory') return { kind: handle.kind, data: handle.data, fds: [] }; // attached by name
  const name = value.constructor.name;
  const what = handle.kind === 'shared-view' ? 'a typed array over multiproc shared memory' : `${name === 'RLock' ? 'an' : 'a'} ${name}`;
  const instead =
    channel.instead ?? 'pass it to a Process as an argument, or send it over a Connection (its file descriptor travels there)';
  throw new SerializationError(path, `${path}: ${what} cannot be sent to ${sentTo}, which carries no file descriptors: ${instead}.`);
}

function reduceShareable(value: object): HandleDescriptor | undefined {
  const reduce = (value as Partial<Shareable>)[kReduce];
  if (typeof reduce === 'function') return reduce.call(value);
  for (const reducer of reducers) {
    const handle = reducer(value);
    if (handle !== undefined) return handle;
  }
  return undefined;
}

// Values structured clone copies as a whole (no user objects inside).
function isOpaque(value: object): boolean {
  return (
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer ||
    value instanceof Date ||
    value instanceof RegExp ||
    value instanceof Error ||
    value instanceof Boolean ||
    value instanceof Number ||
    value instanceof String
  );
}

function refuse(value: object): string | null {
  if (value instanceof Promise) return 'a Promise';
  if (value instanceof WeakMap) return 'a WeakMap';
  if (value instanceof WeakSet) return 'a WeakSet';
  if (value instanceof WeakRef) return 'a WeakRef';
  if (typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer)
    return 'a SharedArrayBuffer that is not multiproc shared memory (use RawArray or SharedMemory)';
  return null;
}

function propertyPath(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function forkHint(sentTo: string): string {
  return sentTo.includes('fork server') || sentTo.includes('spawned')
    ? " (export it and pass its name, or use the 'fork' start method, which copies closures)"
    : '';
}
