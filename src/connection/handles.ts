// Shareable objects (Connection, Queue, Lock, SharedMemory, Value …), net sockets and class
// instances inside a value sent over a Connection. A value without any takes the usual path; one
// with some is reduced (src/reduction.ts) and sent as a `handles` frame: [the v8 payload, each
// handle's kind, data and fd count], with the handles' fds passed along with the frame's bytes
// (SCM_RIGHTS on the socket; never by the shared-memory lane, which cannot carry fds). The
// receiver takes the fds that came with the frame (native takeFds) and rebuilds the objects.
import { deserialize, serialize } from 'node:v8';
import { SerializationError } from '../errors.ts';
import type { NativeBinding } from '../native/binding.ts';
import { mayNeedReduction } from '../reduction-scan.ts';
import { closeUnused, rebuildValues, reduceForChild, type ReceivedHandle } from '../reduction.ts';
import { FrameError, Tag } from '../wire/protocol.ts';
import './net-handles.ts'; // net.Server and net.Socket travel too

/** Where a value sent over a Connection is said to go, in errors. */
const SENT_TO = 'the other end of a Connection';

/** A value encoded for a Connection: its frame's tag and payload, and the fds to pass with it (dups, closed once sent). */
export interface Encoded {
  tag: Tag;
  payload: Buffer;
  fds: number[];
}

type HandleMeta = [kind: string, data: unknown, fdCount: number];

/** Encode `value` for send(); throws SerializationError naming the part that cannot travel (`value.lock`). */
export function encodeValue(value: unknown, native: NativeBinding): Encoded {
  if (!mayNeedReduction(value)) {
    try {
      return { tag: Tag.object, payload: serialize(value), fds: [] };
    } catch (error) {
      throw new SerializationError('value', `value: cannot be sent: ${(error as Error).message}`, { cause: error });
    }
  }
  const reduced = reduceForChild({ value }, SENT_TO);
  const meta: HandleMeta[] = reduced.handles.map((handle) => [handle.kind, handle.data, handle.fds.length]);
  const fds: number[] = [];
  try {
    for (const handle of reduced.handles) for (const fd of handle.fds) fds.push(native.dup(fd));
    if (fds.length > 253)
      throw new SerializationError(
        'value',
        `value: holds ${fds.length} file descriptors (of ${reduced.handles.length} shareable objects); ` +
          'one message carries at most 253: send them in several messages.',
      );
    return { tag: Tag.handles, payload: serialize([reduced.payload, meta]), fds };
  } catch (error) {
    for (const fd of fds) native.close(fd);
    throw error;
  }
}

/** The value of a `handles` frame; `take` gives the fds that came with it. A Promise while a class is imported. */
export function decodeHandles(payload: Buffer, take: () => number[] | null): unknown {
  const [inner, meta] = parse(payload, take);
  const want = meta.reduce((sum, [, , count]) => sum + count, 0);
  const got = want === 0 ? [] : (take() ?? []);
  if (got.length !== want || got.includes(-1)) {
    closeFds(got);
    const fault = got.includes(-1)
      ? 'its file descriptors dropped by the kernel (the open-file limit, RLIMIT_NOFILE?)'
      : `${got.length} file descriptors where ${want} were sent`;
    throw new FrameError(`A message arrived with ${fault}: its shareable objects cannot be rebuilt. The connection is still usable.`);
  }
  let at = 0;
  const handles: ReceivedHandle[] = meta.map(([kind, data, count]) => ({ kind, data, fds: got.slice(at, (at += count)) }));
  const { tree, ready } = rebuildValues(inner, handles);
  return ready === null ? tree.value : ready.then(() => tree.value);
}

/** A `handles` frame taken as bytes (recvBytes): close the fds that came with it. */
export function dropHandles(payload: Buffer, take: () => number[] | null): void {
  const [, meta] = parse(payload, take);
  if (meta.some(([, , count]) => count > 0)) closeFds(take() ?? []);
}

function parse(payload: Buffer, take: () => number[] | null): [Uint8Array, HandleMeta[]] {
  try {
    return deserialize(payload) as [Uint8Array, HandleMeta[]];
  } catch (error) {
    closeFds(take() ?? []); // a corrupt frame: its fds, if any came, are of no use
    throw new FrameError('A received message could not be decoded (corrupt or truncated frame).', { cause: error });
  }
}

function closeFds(fds: number[]): void {
  closeUnused([{ kind: '', data: null, fds: fds.filter((fd) => fd >= 0) }]);
}
