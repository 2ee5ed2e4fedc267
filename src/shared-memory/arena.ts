// Anonymous shared memory for RawArray, Value and SharedArray (Python's multiprocessing.heap):
// memfds, never in /dev/shm, so nothing can be left behind there whatever happens; a child gets
// the memory by its fd (mappings.ts). Small blocks are carved out of 1 MiB arenas (one fd and one
// mapping for many Values); a large block gets an arena of its own. An arena is unmapped, and its fd closed, once nothing in any view refers to
// it (its SharedArrayBuffer collected). Blocks are never reused within an arena.
import { randomBytes } from 'node:crypto';
import { requireNative, type NativeBinding } from '../native/binding.ts';
import { registerAfterFork } from '../os/child.ts';
import { trackMapping } from './mappings.ts';
import { GENERATED_PREFIX } from './names.ts';

const ARENA_SIZE = 1 << 20;
/** Blocks up to this size share arenas. */
const SMALL_BLOCK = 64 * 1024;
const ALIGN = 16;
const PAGE = 4096;

let current: { buffer: SharedArrayBuffer; used: number } | null = null;

/** A zeroed block of `byteLength` bytes of shared memory, 16-byte aligned. */
export function allocate(byteLength: number): { buffer: SharedArrayBuffer; byteOffset: number } {
  const native = requireNative('Shared memory (RawArray, Value, SharedArray)');
  if (byteLength > SMALL_BLOCK) return { buffer: createArena(native, roundUp(byteLength, PAGE)), byteOffset: 0 };
  const size = roundUp(Math.max(byteLength, 1), ALIGN);
  if (current === null || current.used + size > ARENA_SIZE) current = { buffer: createArena(native, ARENA_SIZE), used: 0 };
  const byteOffset = current.used;
  current.used += size;
  return { buffer: current.buffer, byteOffset };
}

function createArena(native: NativeBinding, size: number): SharedArrayBuffer {
  const id = `${GENERATED_PREFIX}arena-${randomBytes(8).toString('hex')}`;
  // Never in /dev/shm (a memfd): the memory lives as long as an fd or a mapping refers to it.
  const fd = native.shmAnonymous(id);
  try {
    native.ftruncate(fd, size);
    const buffer = native.mmapShared(fd, size);
    trackMapping(buffer, { id, fd, size });
    return buffer;
  } catch (error) {
    native.close(fd);
    throw error;
  }
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

registerAfterFork(() => {
  // The rest of the parent's current arena is the parent's to hand out: the child starts its own.
  current = null;
});
