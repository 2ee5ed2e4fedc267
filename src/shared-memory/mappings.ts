// Shared mappings known to this process (arenas of RawArray/Value/SharedArray, SharedMemory
// segments): which SharedArrayBuffer is which memory, by which fd. It lets any typed array or
// DataView over such memory (a RawArray, a subarray, `new Float64Array(shm.buf.buffer)` …), or
// the SharedArrayBuffer itself, travel to a child as the same memory rather than a copy: the
// reducer sends the mapping's fd; the child maps it once per mapping and builds the same view.
import { requireNative } from '../native/binding.ts';
import { registerRebuilder, registerReducer, type ReceivedHandle } from '../reduction.ts';

/** A mapping: an id unique to the memory (the same in every process), its fd here, its size. */
export interface Mapping {
  id: string;
  fd: number;
  size: number;
}

interface ViewData {
  mapping: string;
  size: number;
  /** Constructor name of the view, or 'SharedArrayBuffer' for the buffer itself. */
  view: string;
  byteOffset: number;
  length: number;
}

const byBuffer = new WeakMap<SharedArrayBuffer, Mapping>();
const byId = new Map<string, WeakRef<SharedArrayBuffer>>();
// A mapping whose buffer was collected: its fd is closed (the memory is unmapped by the addon).
const finalizer = new FinalizationRegistry<Mapping>((mapping) => {
  if (byId.get(mapping.id)?.deref() === undefined) byId.delete(mapping.id);
  try {
    requireNative('shared memory').close(mapping.fd);
  } catch {
    // already closed
  }
});

/** Remember `buffer` as `mapping`; its fd is closed when the buffer is collected, unless untracked first. */
export function trackMapping(buffer: SharedArrayBuffer, mapping: Mapping): void {
  byBuffer.set(buffer, mapping);
  byId.set(mapping.id, new WeakRef(buffer));
  finalizer.register(buffer, mapping, buffer);
}

/** Forget `buffer` (its owner closes the fd itself). */
export function untrackMapping(buffer: SharedArrayBuffer): void {
  const mapping = byBuffer.get(buffer);
  if (mapping === undefined) return;
  byBuffer.delete(buffer);
  if (byId.get(mapping.id)?.deref() === buffer) byId.delete(mapping.id);
  finalizer.unregister(buffer);
}

/** The mapping of `buffer`, if it is one. */
export function mappingOf(buffer: ArrayBufferLike): Mapping | undefined {
  return buffer instanceof SharedArrayBuffer ? byBuffer.get(buffer) : undefined;
}

/** In a child: the buffer of mapping `id` received with `fd`, mapped once (a second fd is closed). */
export function attachMapping(id: string, size: number, fd: number): SharedArrayBuffer {
  const native = requireNative('Shared memory received from the parent');
  const known = byId.get(id)?.deref();
  if (known !== undefined) {
    native.close(fd);
    return known;
  }
  native.setCloexec(fd, true); // inherited by spawn without it: grandchildren must not hold it unknowingly
  const buffer = native.mmapShared(fd, size);
  trackMapping(buffer, { id, fd, size });
  return buffer;
}

const VIEWS: Record<string, new (buffer: SharedArrayBuffer, byteOffset: number, length: number) => ArrayBufferView> = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  BigInt64Array,
  BigUint64Array,
  Float32Array,
  Float64Array,
  DataView,
};

registerReducer((value) => {
  if (value instanceof SharedArrayBuffer) {
    const mapping = byBuffer.get(value);
    if (mapping === undefined) return undefined;
    const data: ViewData = { mapping: mapping.id, size: mapping.size, view: 'SharedArrayBuffer', byteOffset: 0, length: 0 };
    return { kind: 'shared-view', data, fds: [mapping.fd] };
  }
  if (!ArrayBuffer.isView(value)) return undefined;
  const mapping = mappingOf(value.buffer);
  const name = value.constructor.name;
  if (mapping === undefined || !Object.hasOwn(VIEWS, name)) return undefined;
  const length = value instanceof DataView ? value.byteLength : (value as unknown as { length: number }).length;
  const data: ViewData = { mapping: mapping.id, size: mapping.size, view: name, byteOffset: value.byteOffset, length };
  return { kind: 'shared-view', data, fds: [mapping.fd] };
});

registerRebuilder('shared-view', (handle: ReceivedHandle) => {
  const data = handle.data as ViewData;
  const fd = handle.fds[0];
  if (fd === undefined) throw new TypeError('Shared memory arrived without its file descriptor.');
  const buffer = attachMapping(data.mapping, data.size, fd);
  if (data.view === 'SharedArrayBuffer') return buffer;
  const View = VIEWS[data.view];
  if (View === undefined) throw new TypeError(`Shared memory arrived as an unknown view type \`${data.view}\`.`);
  return new View(buffer, data.byteOffset, data.length);
});
