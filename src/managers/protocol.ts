// The managers' wire format, in one place. Over a Connection (which frames and encodes values):
//   request  [requestId, objectId, method, args]   objectId '' addresses the server itself;
//                                                  requestId 0 asks for no reply (decref)
//   reply    [requestId, status, value]            status 0: a result, 1: an error (WireError);
//                                                  [requestId, 0]: the result is undefined
// A proxy inside a value travels as a marker `{ "\0multiproc.proxy": [typeid, objectId] }`; the
// server turns it into a reference to its own object, and markers it sends back become proxies.
import { ManagerProtocolError } from './errors.ts';

/** A request to the manager. */
export type Request = [requestId: number, objectId: string, method: string, args: unknown[]];
/** A reply of the manager. */
export type Reply = [requestId: number, status: 0 | 1, value: unknown];

/** The key of a proxy marker. */
export const MARKER_KEY = '\u0000multiproc.proxy';
/** A proxy as it travels inside a value. */
export interface Marker {
  [MARKER_KEY]: [typeid: string, objectId: string];
}

/** A marker for the object `objectId` of type `typeid`. */
export function marker(typeid: string, objectId: string): Marker {
  return { [MARKER_KEY]: [typeid, objectId] };
}

/** The [typeid, objectId] of a marker, or null for any other value. */
export function readMarker(value: object): [string, string] | null {
  if (!Object.prototype.hasOwnProperty.call(value, MARKER_KEY)) return null;
  const body = (value as Record<string, unknown>)[MARKER_KEY];
  if (!Array.isArray(body) || typeof body[0] !== 'string' || typeof body[1] !== 'string')
    throw new ManagerProtocolError('A malformed proxy marker arrived.');
  return [body[0], body[1]];
}

/** Check that a received message is a request; throws ManagerProtocolError naming what is wrong. */
export function checkRequest(message: unknown): Request {
  if (!Array.isArray(message) || message.length !== 4)
    throw new ManagerProtocolError(`Expected a request [id, object, method, args], got ${describe(message)}.`);
  const [id, object, method, args] = message as unknown[];
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0)
    throw new ManagerProtocolError(`Expected a request id (a non-negative integer), got ${describe(id)}.`);
  if (typeof object !== 'string' || typeof method !== 'string' || !Array.isArray(args))
    throw new ManagerProtocolError(`Request ${id}: expected [id, object (string), method (string), args (array)].`);
  return message as Request;
}

/** Check that a received message is a reply. */
export function checkReply(message: unknown): Reply {
  if (
    !Array.isArray(message) ||
    (message.length !== 3 && !(message.length === 2 && message[1] === 0)) ||
    typeof message[0] !== 'number' ||
    (message[1] !== 0 && message[1] !== 1)
  ) {
    throw new ManagerProtocolError(`The manager sent something that is not a reply: ${describe(message)}.`);
  }
  return message as Reply;
}

function describe(value: unknown): string {
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * Copy `value`, replacing each object `replace` maps to something else (a proxy by its marker, a
 * marker by a proxy). Containers (plain objects, arrays, Maps, Sets) are copied only where
 * something inside them was replaced; other objects travel as they are.
 */
export function mapObjects(value: unknown, replace: (object: object) => unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value) && value.every(isPrimitive)) return value; // the common case: nothing to walk
  const seen = new Map<object, unknown>();
  const walk = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    if (seen.has(v)) return seen.get(v);
    const replaced = replace(v);
    if (replaced !== v) {
      seen.set(v, replaced);
      return replaced;
    }
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof Date || v instanceof RegExp || v instanceof Error) return v;
    seen.set(v, v);
    if (Array.isArray(v)) {
      let copy: unknown[] | null = null;
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        const n = walk(item);
        if (n !== item) copy ??= v.slice();
        if (copy !== null) copy[i] = n;
      }
      return settle(v, copy);
    }
    if (v instanceof Map) {
      let changed = false;
      const out = new Map<unknown, unknown>();
      for (const [k, item] of v) {
        const nk = walk(k);
        const n = walk(item);
        changed ||= nk !== k || n !== item;
        out.set(nk, n);
      }
      return settle(v, changed ? out : null);
    }
    if (v instanceof Set) {
      let changed = false;
      const out = new Set<unknown>();
      for (const item of v) {
        const n = walk(item);
        changed ||= n !== item;
        out.add(n);
      }
      return settle(v, changed ? out : null);
    }
    let copy: Record<string, unknown> | null = null;
    for (const key of Object.keys(v)) {
      const item = (v as Record<string, unknown>)[key];
      const n = walk(item);
      if (n !== item) copy ??= { ...(v as Record<string, unknown>) };
      if (copy !== null) copy[key] = n;
    }
    return settle(v, copy);
  };
  const settle = (original: object, copy: object | null): unknown => {
    if (copy === null) return original;
    seen.set(original, copy);
    return copy;
  };
  return walk(value);
}

function isPrimitive(value: unknown): boolean {
  return typeof value !== 'object' || value === null;
}
