// What Value and SharedArray share: their memory (LOCK_BYTES of lock state, then the data, in
// one block of an arena), how they travel to a child (the arena's fd, an offset: the same memory
// and the same lock there), and their `lock` option.
import { ProcessStateError } from '../errors.ts';
import { typeError } from '../options.ts';
import { registerRebuilder, type HandleDescriptor, type ReceivedHandle } from '../reduction.ts';
import { LOCK_BYTES, makeSharedLock, type SharedLock } from './lock.ts';
import { attachMapping, mappingOf } from './mappings.ts';
import { constructorOf, type ElementType, type SharedTypedArray } from './types.ts';

/** Options of Value and SharedArray. */
export interface SynchronizedOptions {
  /** Give it a lock (default true; getLock() throws without one). */
  lock?: boolean;
}

interface SynchronizedData {
  cls: string;
  mapping: string;
  size: number;
  type: ElementType;
  byteOffset: number;
  length: number;
  lock: boolean;
}

/** Memory received from the parent, for the constructor being called by the rebuilder. */
export interface Received {
  array: SharedTypedArray;
  lock: boolean;
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
export function describeSynchronized(cls: string, array: SharedTypedArray, type: ElementType, lock: boolean): HandleDescriptor {
  const mapping = mappingOf(array.buffer);
  if (mapping === undefined) throw new ProcessStateError(`This ${cls} has lost its shared memory mapping and cannot be sent.`);
  const data: SynchronizedData = { cls, mapping: mapping.id, size: mapping.size, type, byteOffset: array.byteOffset, length: array.length, lock };
  return { kind: 'synchronized', data, fds: [mapping.fd] };
}

/** The lock whose state is in the LOCK_BYTES before `array`'s data. */
export function lockOf(array: SharedTypedArray, hasLock: boolean, cls: string): SharedLock {
  if (!hasLock) throw new ProcessStateError(`This ${cls} was created with { lock: false }: it has no lock.`);
  const mapping = mappingOf(array.buffer);
  if (mapping === undefined) throw new ProcessStateError(`This ${cls} has lost its shared memory mapping.`);
  return makeSharedLock({ buffer: array.buffer, byteOffset: array.byteOffset - LOCK_BYTES, fd: mapping.fd });
}

/** The `lock` option, checked. */
export function checkLockOption(options: SynchronizedOptions): boolean {
  if (typeof options !== 'object' || options === null) typeError('options', 'an object such as { lock: true }', options);
  const lock = options.lock ?? true;
  if (typeof lock !== 'boolean') typeError('lock', 'a boolean (passing a lock object is not supported yet)', lock);
  return lock;
}

registerRebuilder('synchronized', (handle: ReceivedHandle) => {
  const data = handle.data as SynchronizedData;
  const fd = handle.fds[0];
  if (fd === undefined) throw new TypeError(`A shared ${data.cls} arrived without its file descriptor.`);
  const build = builders.get(data.cls);
  if (build === undefined) throw new TypeError(`No way to rebuild a shared \`${data.cls}\` in this process.`);
  const buffer = attachMapping(data.mapping, data.size, fd);
  receiving = { array: new (constructorOf(data.type))(buffer, data.byteOffset, data.length), lock: data.lock };
  try {
    return build(data.type);
  } finally {
    receiving = null;
  }
});
