// The options of Listener and of its accept(), checked in one place with the house messages.
import { normalizeTimeout, rangeError, typeError } from '../options.ts';
import { checkAddress, checkFamily, type Address, type Family } from './address.ts';
import { normalizeAuthkey } from './auth.ts';

/** Options of new Listener(). */
export interface ListenerOptions {
  /** A unix socket path or `[host, port]` (port 0: any free port). Omitted: a fresh socket path in a private directory. */
  address?: Address | null;
  /** 'AF_UNIX', 'AF_INET' or 'AF_INET6'; default: the address's (AF_UNIX when there is none). */
  family?: Family;
  /** Connections the kernel queues before accept() takes them (default 128). */
  backlog?: number;
  /** The shared key peers must prove they hold. Default: none on a unix socket, currentProcess().authkey on TCP; null: no authentication. */
  authkey?: Uint8Array | string | null;
  /** A peer that has not completed the handshake this long after it was accepted is dropped (default 20 000). */
  handshakeTimeoutMs?: number;
}

/** Options of accept(): give up after `timeoutMs` (TimeoutError) or when `signal` aborts. */
export interface AcceptOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

const DEFAULT_BACKLOG = 128;
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 20_000;

/** The options of a Listener, checked; `authkey` undefined: the default of the family. */
export interface ListenerSettings {
  address: Address | null;
  family: Family;
  backlog: number;
  authkey: Buffer | null | undefined;
  handshakeTimeoutMs: number | undefined;
}

/** Check the options of new Listener(). */
export function normalizeListenerOptions(options: ListenerOptions): ListenerSettings {
  if (typeof options !== 'object' || options === null) typeError('options', 'an object', options);
  let family = checkFamily(options.family);
  let address: Address | null = null;
  if (options.address !== undefined && options.address !== null) {
    const resolved = checkAddress(options.address, family);
    family = resolved.family;
    address = resolved.family === 'AF_UNIX' ? resolved.path : [resolved.host, resolved.port];
  }
  const backlog = options.backlog ?? DEFAULT_BACKLOG;
  if (typeof backlog !== 'number' || !Number.isInteger(backlog) || backlog < 0) rangeError('backlog', 'a non-negative integer', backlog);
  const handshakeTimeoutMs =
    options.handshakeTimeoutMs === undefined
      ? DEFAULT_HANDSHAKE_TIMEOUT_MS
      : normalizeTimeout('handshakeTimeoutMs', options.handshakeTimeoutMs);
  return { address, family: family ?? 'AF_UNIX', backlog, authkey: normalizeAuthkey(options.authkey), handshakeTimeoutMs };
}

/** Check the options of accept(). */
export function checkAcceptOptions(options: AcceptOptions): { timeoutMs: number | undefined; signal: AbortSignal | undefined } {
  if (typeof options !== 'object' || options === null) typeError('options', 'an object', options);
  const timeoutMs = normalizeTimeout('timeoutMs', options.timeoutMs);
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) typeError('signal', 'an AbortSignal', signal);
  return { timeoutMs, signal };
}
