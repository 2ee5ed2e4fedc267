// The bytes of one Queue item (what a frame of the ring holds, queue-layout.ts): a tag byte, then
// the value. Numbers, strings, booleans, null and
// undefined take a fast path (v8.serialize costs several microseconds per call, more than the
// whole queue operation); everything else is v8-serialized (structured clone).
import { deserialize, serialize } from 'node:v8';
import { FrameError } from './protocol.ts';

const V8 = 0;
const NULL = 1;
const UNDEFINED = 2;
const TRUE = 3;
const FALSE = 4;
const FLOAT64 = 5;
const STRING = 6;
const INT32 = 7;
/** Tag of a reduced item (src/queues/items.ts): v8 of [payload, handles]; decode() refuses it. */
export const REDUCED = 0x40;

const scratch = new DataView(new ArrayBuffer(9));
const scratchBytes = new Uint8Array(scratch.buffer);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The encoded bytes of `value` (may throw what v8.serialize throws). */
export function encode(value: unknown): Uint8Array {
  switch (typeof value) {
    case 'number':
      if ((value | 0) === value && !Object.is(value, -0)) {
        scratch.setUint8(0, INT32);
        scratch.setInt32(1, value, true);
        return scratchBytes.slice(0, 5);
      }
      scratch.setUint8(0, FLOAT64);
      scratch.setFloat64(1, value, true);
      return scratchBytes.slice(0, 9);
    case 'string': {
      if (value.length > 4096) break;
      const out = new Uint8Array(1 + value.length * 3);
      out[0] = STRING;
      const { written } = encoder.encodeInto(value, out.subarray(1));
      return out.subarray(0, 1 + written);
    }
    case 'boolean':
      return Uint8Array.of(value ? TRUE : FALSE);
    case 'undefined':
      return Uint8Array.of(UNDEFINED);
    case 'object':
      if (value === null) return Uint8Array.of(NULL);
      break;
    default:
      break;
  }
  return tagged(V8, serialize(value));
}

/** An item of `tag` (V8 or REDUCED) whose body is `body`. */
export function tagged(tag: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + body.length);
  out[0] = tag;
  out.set(body, 1);
  return out;
}

/** The tag of the item `bytes` (undefined when empty). */
export function itemTag(bytes: Uint8Array): number | undefined {
  return bytes[0];
}

/** The body of a V8 or REDUCED item (after its tag). */
export function itemBody(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(1);
}

/** Bytes of each tag's encoding (tag included; 0: any length). */
const LENGTH_OF_TAG = Uint8Array.of(0, 1, 1, 1, 1, 9, 0, 5); // V8 NULL UNDEFINED TRUE FALSE FLOAT64 STRING INT32

/** The length of an item whose first byte is `tag`, tag included: 0 for any length, undefined for a tag no encoding has. */
export function fixedLength(tag: number): number | undefined {
  return LENGTH_OF_TAG[tag];
}

/** The value of encoded bytes. Throws FrameError when they are not an encoding (never reads past them). */
export function decode(bytes: Uint8Array): unknown {
  const tag = bytes[0];
  const fixed = LENGTH_OF_TAG[tag ?? 0xff];
  if (tag === undefined || fixed === undefined || (fixed !== 0 && bytes.length !== fixed))
    throw corrupt(`${bytes.length} bytes, tag ${tag}`);
  switch (tag) {
    case NULL:
      return null;
    case UNDEFINED:
      return undefined;
    case TRUE:
      return true;
    case FALSE:
      return false;
    case INT32:
      return (bytes[1] as number) | ((bytes[2] as number) << 8) | ((bytes[3] as number) << 16) | ((bytes[4] as number) << 24);
    case FLOAT64:
      for (let k = 0; k < 8; k++) scratchBytes[k] = bytes[k + 1] as number;
      return scratch.getFloat64(0, true);
    case STRING:
      return decoder.decode(bytes.subarray(1));
    default:
      try {
        return deserialize(itemBody(bytes));
      } catch (error) {
        throw corrupt('a structured-clone payload that does not deserialize', error);
      }
  }
}

function corrupt(detail: string, cause?: unknown): FrameError {
  return new FrameError(
    `A Queue item could not be decoded (${detail}): the queue's shared memory is corrupt.`,
    cause === undefined ? {} : { cause },
  );
}
