// Values and bytes for a portable Connection: structured clone, with multiproc's portable objects
// (Queue, Lock, Event … served by their creator: no file descriptors) inside; anything that would
// need a file descriptor passed (a Connection, a net.Socket, shared memory) is refused at the call.
import { serialize } from 'node:v8';
import { SerializationError } from '../errors.ts';
import { mayNeedReduction } from '../reduction-scan.ts';
import { reduceForChild } from '../reduction.ts';
import { DEFAULT_MAX_FRAME, Tag } from '../wire/protocol.ts';
import { frameOf } from './frames.ts';

const SENT_TO = 'the other end of a Connection';
const INSTEAD =
  'without the native addon a Connection carries no file descriptors (SCM_RIGHTS is done by the addon): ' +
  'pass it to the Process as an argument instead, or install the addon (Linux)';

/** A value's frame tag and payload; throws SerializationError naming the part that cannot travel. */
export function encodePortable(value: unknown): { tag: Tag; payload: Buffer } {
  if (!mayNeedReduction(value)) {
    try {
      return { tag: Tag.object, payload: serialize(value) };
    } catch (error) {
      throw new SerializationError('value', `value: cannot be sent: ${(error as Error).message}`, { cause: error });
    }
  }
  const reduced = withoutFds(() => reduceForChild({ value }, SENT_TO, { fds: false, instead: INSTEAD }));
  const meta = reduced.handles.map((handle) => [handle.kind, handle.data, 0]);
  return { tag: Tag.handles, payload: serialize([reduced.payload, meta]) };
}

let noFds = false;

/** Run `reduce` where no file descriptor can go (shareables that would need one refuse before any side effect). */
export function withoutFds<T>(reduce: () => T): T {
  const before = noFds;
  noFds = true;
  try {
    return reduce();
  } finally {
    noFds = before;
  }
}

/** Whether a reduction now goes where no file descriptor can (see withoutFds). */
export function fdsRefused(): boolean {
  return noFds;
}

/** One whole frame; throws FrameError (at the call) for a payload over the frame limit. */
export function frameSize(tag: Tag, payload: Uint8Array): Buffer {
  return frameOf(tag, payload, DEFAULT_MAX_FRAME);
}
