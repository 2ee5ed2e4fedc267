// Shared memory: SharedMemory, RawArray, Value, SharedArray and their errors. Re-exports only.
export { SharedMemory, type SharedMemoryOptions } from './shared-memory.ts';
export { ShareableList, type ShareableItem } from './shareable-list.ts';
export { RawArray, type LengthOrValues } from './raw-array.ts';
export { Value } from './value.ts';
export { SharedArray } from './shared-array.ts';
export type { SynchronizedOptions, SharedLock } from './synchronized.ts';
export { SharedMemoryExistsError, SharedMemoryNotFoundError } from './errors.ts';
export type { ElementType, PythonTypecode, TypeSpec, TypedArrayOf, ElementOf } from './types.ts';
