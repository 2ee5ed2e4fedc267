// The shared memory behind each primitive: an anonymous segment (a memfd, never in /dev/shm, so
// nothing can be left there), mapped MAP_SHARED, reached by other processes
// through its fd: inherited (spawn), SCM_RIGHTS (forkserver), or the mapping itself (fork).
import { requireNative } from '../native/binding.ts';
import type { NativeBinding } from '../native/types.ts';

/** A mapped segment and the fd that lets a child map it too. */
export interface Segment {
  readonly sab: SharedArrayBuffer;
  readonly i32: Int32Array;
  readonly fd: number;
  /** The fd belongs to someone else (a SharedMemory arena): never close it. */
  readonly borrowed?: boolean;
}

let counter = 0;
// The fd lives as long as some object that can still be sent uses the segment.
const closer = new FinalizationRegistry<number>((fd) => {
  try {
    requireNative('a synchronization primitive').close(fd);
  } catch {
    // already closed (a forked child's cleanup)
  }
});

/** Create a zeroed segment of `bytes` bytes for `what` (named in errors). */
export function createSegment(bytes: number, what: string): Segment {
  const native = requireNative(what);
  const name = `mp-sync-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
  const fd = native.shmAnonymous(name);
  try {
    native.ftruncate(fd, bytes);
    return attach(native, fd, bytes);
  } catch (error) {
    native.close(fd);
    throw error;
  }
}

/** Map a segment received from the parent (its fd as numbered here). */
export function openSegment(fd: number | undefined, what: string): Segment {
  const native = requireNative(what);
  if (fd === undefined) throw new TypeError(`A shared ${what} arrived without its file descriptor.`);
  native.setCloexec(fd, true);
  return attach(native, fd, native.fstatSize(fd));
}

function attach(native: NativeBinding, fd: number, bytes: number): Segment {
  const sab = native.mmapShared(fd, bytes);
  return { sab, i32: new Int32Array(sab), fd };
}

/** Close the segment's fd once `owner` is garbage (the mapping goes with its SharedArrayBuffer). */
export function keepSegment(owner: object, segment: Segment): Segment {
  if (segment.borrowed !== true) closer.register(owner, segment.fd);
  return segment;
}
