// What travels through Redis: a task (one chunk) as a BullMQ job's data, and its outcome as the
// job's return value. Both are structured-clone bytes (node:v8, as the local Pool's pipes) in
// base64, since BullMQ stores job data and return values as JSON.
import { deserialize, serialize } from 'node:v8';
import { SerializationError } from '../errors.ts';
import type { WireError } from '../pool/messages.ts';
import type { Packed } from '../pool/packing.ts';
import type { TaskRoute } from './route.ts';

/** Version of the payloads below: a host refuses a task of another version. */
export const WIRE_VERSION = 1;

/** A task as its job's data (decoded). */
export interface TaskPayload {
  v: number;
  fn: TaskRoute;
  /** Each item is an argument list (starmap, apply). */
  star: boolean;
  items: Packed;
  /** How many hosts may start it (the submitter's `maxAttempts`). */
  maxAttempts: number;
  /** For messages: who submitted it (`host:pid`). */
  submitter: string;
}

/** A task's outcome as its job's return value (decoded); `host`: which host ran it. */
export type ResultPayload = { v: number; host: string } & ({ ok: true; values: Packed } | { ok: false; error: WireError });

/** BullMQ job data: the payload's bytes in base64. */
export interface JobData {
  p: string;
}

/** Encode a payload; a value that cannot be cloned, or bytes over `limit`, throw a SerializationError. */
export function encode(payload: TaskPayload | ResultPayload, limit: number, what: string): string {
  let bytes: Buffer;
  try {
    bytes = serialize(payload);
  } catch (error) {
    throw new SerializationError(what, `${what} cannot be sent through Redis: ${(error as Error).message}`, { cause: error });
  }
  if (bytes.length > limit) {
    throw new SerializationError(
      what,
      `${what} is ${bytes.length} bytes serialized, over the limit of ${limit} bytes for one Redis job (\`maxPayloadBytes\`); ` +
        'use a smaller `chunksize`, pass a reference (a file path, a key) instead of the data, or raise `maxPayloadBytes`.',
    );
  }
  return bytes.toString('base64');
}

/** Decode what encode() made. */
export function decode<T extends TaskPayload | ResultPayload>(text: string): T {
  return deserialize(Buffer.from(text, 'base64')) as T;
}
