// A queue item's bytes. Plain data goes through src/wire/queue-items.ts (fast paths, then v8.serialize). A value
// holding class instances or shareable objects is reduced first (src/reduction.ts): class
// instances travel by class reference, a SharedMemory by its name; what needs a file descriptor
// (a Lock, a Connection, a Queue, a Value …) is refused here, at the put, with the path to it:
// a queue's shared ring carries bytes only (see docs/DECISIONS.md, "Shareable objects").
import { deserialize, serialize } from 'node:v8';
import { SerializationError } from '../errors.ts';
import { mayNeedReduction } from '../reduction-scan.ts';
import { rebuildValues, reduceForChild } from '../reduction.ts';
import { decode, encode, itemBody, itemTag, REDUCED, tagged } from '../wire/queue-items.ts';

const SENT_TO = 'another process through a queue';
const INSTEAD = 'pass it to the consuming Process as an argument, or send it over a Connection (a Pipe), which carries file descriptors';

/** The bytes of `item`; throws SerializationError naming what cannot travel (`item.lock`). */
export function encodeItem(item: unknown): Uint8Array {
  try {
    if (!mayNeedReduction(item)) return encode(item);
  } catch (error) {
    throw new SerializationError('item', `item: a value cannot be put on a queue: ${(error as Error).message}`, { cause: error });
  }
  const reduced = reduceForChild({ item }, SENT_TO, { fds: false, instead: INSTEAD });
  return tagged(REDUCED, serialize([reduced.payload, reduced.handles.map((handle) => [handle.kind, handle.data])]));
}

/**
 * The item `bytes` encode. `wait`: a Promise when a class must be imported first; else the object
 * is returned at once and gets its prototype when that import settles.
 */
export function decodeItem(bytes: Uint8Array, wait: boolean): unknown {
  if (itemTag(bytes) !== REDUCED) return decode(bytes);
  const [payload, handles] = deserialize(itemBody(bytes)) as [Uint8Array, [string, unknown][]];
  const { tree, ready } = rebuildValues(
    payload,
    handles.map(([kind, data]) => ({ kind, data, fds: [] })),
  );
  if (ready === null || !wait) return tree.item;
  return ready.then(() => tree.item);
}
