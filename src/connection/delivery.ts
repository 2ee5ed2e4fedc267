// What a receive gets for a frame: the payload decoded by its tag into what the receive wants (a
// value, bytes, or a copy into a recvBytesInto buffer). A payload that does not decode fails
// that receive only: the framing is intact.
import { decodeJson, decodeObject, Tag } from '../wire/protocol.ts';
import { decodeHandles, dropHandles } from './handles.ts';
import type { Outcome, Waiter } from './waiters.ts';

/**
 * The outcome of `waiter` for a frame of `tag`. `owned`: `payload` is the frame's own buffer
 * (else a view that is reused: copied where it is kept). `takeFds`: the fds that came with a
 * handles frame.
 */
export function outcomeFor(waiter: Waiter, payload: Buffer, owned: boolean, tag: Tag, takeFds: () => number[] | null): Outcome {
  try {
    if (tag === Tag.handles && waiter.want === 'object')
      return { ok: true, value: decodeHandles(owned ? payload : Buffer.from(payload), takeFds) };
    if (tag === Tag.handles && waiter.want === 'bytes') {
      dropHandles(payload, takeFds); // as bytes, its shareables are not rebuilt: their fds are closed
      return { ok: true, value: owned ? payload : Buffer.from(payload) };
    }
    if (waiter.want === 'into') {
      if (tag === Tag.handles) dropHandles(payload, takeFds);
      const into = waiter.into as Buffer;
      if (payload.buffer !== into.buffer || payload.byteOffset !== into.byteOffset) payload.copy(into, 0);
      return { ok: true, value: payload.length };
    }
    if (waiter.want === 'bytes' || tag === Tag.bytes) return { ok: true, value: owned ? payload : Buffer.from(payload) };
    if (tag === Tag.json) return { ok: true, value: decodeJson(payload) };
    // v8.deserialize returns typed arrays that are views of its input: give it its own copy.
    return { ok: true, value: decodeObject(owned ? payload : Buffer.from(payload)) };
  } catch (error) {
    return { ok: false, error }; // the framing is intact: only this message is lost
  }
}
