// What Value and SharedArray share: their memory (LOCK_BYTES of lock state, then the data, in
// one block of an arena), how they travel to a child (the arena's fd, an offset: the same memory
// and the same lock there), and their `lock` option: true (a lock of their own, in those bytes),
// false (none), or a lock object of this library (Lock, RLock …), which then travels with them.
// A lock object travels inside the Value's own handle: the lock's handle (kind, data) in
// `data.lock`, its fds after the arena's; the child rebuilds it with rebuildHandle().
import { ProcessStateError } from '../errors.ts';
import { typeError } from '../options.ts';
import { kReduce, rebuildHandle, registerRebuilder, type HandleDescriptor, type ReceivedHandle } from '../reduction.ts';
import { Lock, RLock } from '../sync/lock.ts';
import { LOCK_BYTES } from './lock.ts';
import { attachMapping, mappingOf } from './mappings.ts';
import { constructorOf, type ElementType, type SharedTypedArray } from './types.ts';

/** What getLock() returns: the RLock in the Value's own memory, or the Lock or RLock it was given. */
export type SharedLock = Lock | RLock;

/** A lock object of this library given as the `lock` option (Lock, RLock). */
export type LockObject = Lock | RLock;

/** Options of Value and SharedArray. */
export interface SynchronizedOptions {
  /**
   * true (default): a lock of its own; false: none (getLock() throws); a Lock or RLock: that
   * lock guards it (Python's `lock=` a lock object) and is what getLock() returns.
   */
  lock?: boolean | LockObject;
}

interface SynchronizedData {
  cls: string;
  mapping: string;
  size: number;
  type: ElementType;
  byteOffset: number;
  length: number;
  lock: boolean | { kind: string; data: unknown };
}

/** Memory received from the parent, for the constructor being called by the rebuilder. */
export interface Received {
  array: SharedTypedArray;
  lock: boolean | LockObject;
}

let receiving: Received | null = null;
const builders = new Map<string, (type: ElementType) => unknown>();

/** In a constructor: the received memory when a rebuild is in progress (else null). */
export function takeReceived(): Received | null {
  const received = receiving;
  receiving = null;
  return received;
}

/** Register how a class (by name) is rebuilt: `build(type)` calls its constructor, which takes the memory. */
export function registerSynchronized(cls: string, build: (type: ElementType) => unknown): void {
  builders.set(cls, build);
}

/** The handle of a Value or SharedArray over `array`. */
export function describeSynchronized(
  cls: string,
  array: SharedTypedArray,
  type: ElementType,
  lock: boolean | LockObject,
): HandleDescriptor {
  const mapping = mappingOf(array.buffer);
  if (mapping === undefined) throw new ProcessStateError(`This ${cls} has lost its shared memory mapping and cannot be sent.`);
  const data: SynchronizedData = {
    cls,
    mapping: mapping.id,
    size: mapping.size,
    type,
    byteOffset: array.byteOffset,
    length: array.length,
    lock: true,
  };
  if (typeof lock === 'boolean') return { kind: 'synchronized', data: { ...data, lock }, fds: [mapping.fd] };
  const own = lock[kReduce]();
  return { kind: 'synchronized', data: { ...data, lock: { kind: own.kind, data: own.data } }, fds: [mapping.fd, ...own.fds] };
}

/** The lock of a Value or SharedArray: the lock object it was given, or the one in the LOCK_BYTES before `array`'s data. */
export function lockOf(array: SharedTypedArray, lock: boolean | LockObject, cls: string): SharedLock {
  if (typeof lock === 'object') return lock;
  if (!lock) throw new ProcessStateError(`This ${cls} was created with { lock: false }: it has no lock.`);
  const mapping = mappingOf(array.buffer);
  if (mapping === undefined) throw new ProcessStateError(`This ${cls} has lost its shared memory mapping.`);
  // Its arena owns the fd (borrowed: the lock never closes it).
  const i32 = new Int32Array(array.buffer, array.byteOffset - LOCK_BYTES, LOCK_BYTES / 4);
  return new RLock({ sab: array.buffer, i32, fd: mapping.fd, borrowed: true });
}

/** The `lock` option, checked. */
export function checkLockOption(options: SynchronizedOptions): boolean | LockObject {
  if (typeof options !== 'object' || options === null) typeError('options', 'an object such as { lock: true }', options);
  const lock: unknown = options.lock ?? true;
  if (typeof lock === 'boolean' || isLockObject(lock)) return lock;
  return typeError('lock', 'true, false, or a Lock or RLock of multiproc', lock);
}

function isLockObject(value: unknown): value is LockObject {
  return value instanceof Lock || value instanceof RLock;
}

registerRebuilder('synchronized', (handle: ReceivedHandle) => {
  const data = handle.data as SynchronizedData;
  const fd = handle.fds[0];
  if (fd === undefined) throw new TypeError(`A shared ${data.cls} arrived without its file descriptor.`);
  const build = builders.get(data.cls);
  if (build === undefined) throw new TypeError(`No way to rebuild a shared \`${data.cls}\` in this process.`);
  const buffer = attachMapping(data.mapping, data.size, fd);
  const lock = typeof data.lock === 'boolean' ? data.lock : (rebuildHandle({ ...data.lock, fds: handle.fds.slice(1) }) as LockObject);
  receiving = { array: new (constructorOf(data.type))(buffer, data.byteOffset, data.length), lock };
  try {
    return build(data.type);
  } finally {
    receiving = null;
  }
});
