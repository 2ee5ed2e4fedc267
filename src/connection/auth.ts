// The authentication handshake of Listener and Client, as Python's multiprocessing.connection
// (deliver_challenge / answer_challenge, the ≥3.12 `{sha256}` form): the side that delivers
// sends `#CHALLENGE#{sha256}` and 40 random bytes; the other answers `{sha256}` and the
// HMAC-SHA256 of `{sha256}…` under the shared authkey; the deliverer compares in constant time
// and replies `#WELCOME#` or `#FAILURE#`. The server delivers first, then answers the client's
// challenge: each side proves it holds the key, and the key never crosses the wire.
//
// Every message of the handshake is read with a 256-byte limit (a longer one is refused unread,
// nothing allocated for it), under one deadline for the whole handshake.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { TimeoutError } from '../errors.ts';
import { typeError } from '../options.ts';
import type { Connection } from './connection.ts';
import { AuthenticationError } from './errors.ts';

const CHALLENGE = Buffer.from('#CHALLENGE#');
const WELCOME = Buffer.from('#WELCOME#');
const FAILURE = Buffer.from('#FAILURE#');
const DIGEST_PREFIX = Buffer.from('{sha256}');
const MESSAGE_LENGTH = 40;
const MAX_MESSAGE = 256;

/** An authkey as bytes: a Buffer/Uint8Array as is (copied), a string as UTF-8; null: no authentication. */
export function normalizeAuthkey(value: unknown, name = 'authkey'): Buffer | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return Buffer.from(value);
  return typeError(name, 'a Buffer, Uint8Array or string (or null: no authentication)', value);
}

/** A deadline for one handshake: what is left of it, for each receive, and the error when it passes. */
export interface Deadline {
  /** ms left (undefined: none); 0 once passed. */
  left(): number | undefined;
  /** What `timeoutMs` was, for messages. */
  readonly timeoutMs: number | undefined;
  /** The error for a handshake that ran out of time while waiting for `what`. */
  expired(what: string, cause: unknown): Error;
}

/** A deadline `timeoutMs` from now (undefined: never); `expired` makes the error when it passes. */
export function deadlineIn(timeoutMs: number | undefined, expired: (what: string, cause: unknown) => Error): Deadline {
  const end = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  return { timeoutMs, expired, left: () => (end === undefined ? undefined : Math.max(0, end - Date.now())) };
}

/** Prove to the other end that it holds `authkey` (Python's deliver_challenge). */
export async function deliverChallenge(connection: Connection, authkey: Buffer, deadline: Deadline): Promise<void> {
  const message = Buffer.concat([DIGEST_PREFIX, randomBytes(MESSAGE_LENGTH)]);
  await connection.sendBytes(Buffer.concat([CHALLENGE, message]));
  const response = await receive(connection, deadline, 'its answer to our challenge');
  const expected = Buffer.concat([DIGEST_PREFIX, hmac(authkey, message)]);
  if (response.length !== expected.length || !timingSafeEqual(response, expected)) {
    await connection.sendBytes(FAILURE).catch(() => undefined);
    throw new AuthenticationError(
      'The peer answered the authentication challenge wrongly (digest received was wrong): ' +
        'its authkey differs from this one, or it is not a multiproc Client/Listener.',
    );
  }
  await connection.sendBytes(WELCOME);
}

/** Prove to the other end that this side holds `authkey` (Python's answer_challenge). */
export async function answerChallenge(connection: Connection, authkey: Buffer, deadline: Deadline): Promise<void> {
  const challenge = await receive(connection, deadline, 'its authentication challenge');
  if (!startsWith(challenge, CHALLENGE)) {
    throw new AuthenticationError(
      'The peer did not send an authentication challenge first: it does not expect an authkey ' +
        '(pass the same authkey on both sides, or none on both), or it is not a multiproc Listener/Client.',
    );
  }
  const message = challenge.subarray(CHALLENGE.length);
  if (!startsWith(message, DIGEST_PREFIX) || message.length < DIGEST_PREFIX.length + 20) {
    throw new AuthenticationError(
      'The peer sent an authentication challenge of an unsupported form (only {sha256} challenges of at least 20 bytes are answered).',
    );
  }
  await connection.sendBytes(Buffer.concat([DIGEST_PREFIX, hmac(authkey, message)]));
  const verdict = await receive(connection, deadline, 'its verdict on our answer');
  if (!verdict.equals(WELCOME)) {
    throw new AuthenticationError(
      'The peer rejected our answer to its authentication challenge (digest sent was rejected): the authkeys of the two sides differ.',
    );
  }
}

function hmac(authkey: Buffer, message: Buffer): Buffer {
  return createHmac('sha256', authkey).update(message).digest();
}

function startsWith(bytes: Buffer, prefix: Buffer): boolean {
  return bytes.length >= prefix.length && bytes.subarray(0, prefix.length).equals(prefix);
}

// One handshake message: at most MAX_MESSAGE bytes, before the deadline. Anything else (a longer
// message, a broken frame, the peer gone, time up) fails the handshake with the reason as cause.
async function receive(connection: Connection, deadline: Deadline, what: string): Promise<Buffer> {
  try {
    const left = deadline.left();
    return await connection.recvBytes(MAX_MESSAGE, left === undefined ? {} : { timeoutMs: left });
  } catch (error) {
    if (error instanceof TimeoutError) throw deadline.expired(what, error);
    throw new AuthenticationError(`The authentication handshake failed while waiting for ${what}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
