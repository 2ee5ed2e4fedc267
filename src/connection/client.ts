// Client(): Python's multiprocessing.connection.Client. Connects to a Listener's address and
// gives a Connection, authenticated both ways when there is an authkey (see auth.ts). The
// socket is made and connected by the addon (non-blocking; a TCP connect in progress is awaited
// on the event loop), so the Connection owns its fd from the start.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { currentAuthkey } from '../authkey.ts';
import { TimeoutError } from '../errors.ts';
import { requireNative, type NativeBinding } from '../native/binding.ts';
import type { SocketFamily } from '../native/types.ts';
import { normalizeTimeout, typeError } from '../options.ts';
import { checkAddress, checkFamily, describeAddress, type Address, type Family, type ResolvedAddress } from './address.ts';
import { answerChallenge, deadlineIn, deliverChallenge, normalizeAuthkey, type Deadline } from './auth.ts';
import { openConnection, type Connection } from './connection.ts';
import { asError } from './errors.ts';

/** Options of Client(). */
export interface ClientOptions {
  /** 'AF_UNIX', 'AF_INET' or 'AF_INET6'; default: the address's. */
  family?: Family;
  /** The Listener's key. Default: none on a unix socket, currentProcess().authkey on TCP; null: no authentication. */
  authkey?: Uint8Array | string | null;
  /** Give up (TimeoutError) when connecting and authenticating take longer (default: no limit, as Python's). */
  timeoutMs?: number;
  /** Give up when it aborts. */
  signal?: AbortSignal;
}

// A unix socket's backlog is full (EAGAIN): try again after this long, doubling up to the cap.
const RETRY_FIRST_MS = 2;
const RETRY_MAX_MS = 100;

/**
 * Connect to the Listener at `address`; resolves with the Connection once authenticated.
 * @throws {AuthenticationError} when the listener's authkey differs (rejects).
 * @throws {TimeoutError} after `timeoutMs` with nobody accepting (rejects).
 * @example
 * const conn = await Client(['127.0.0.1', port], { authkey: 'secret' });
 * await conn.send({ op: 'sum', values: [1, 2, 3] });
 * console.log(await conn.recv());
 * conn.close();
 */
export async function Client(address: Address, options: ClientOptions = {}): Promise<Connection> {
  if (typeof options !== 'object' || options === null) typeError('options', 'an object', options);
  const resolved = checkAddress(address, checkFamily(options.family));
  const given = normalizeAuthkey(options.authkey);
  const authkey = given === undefined ? (resolved.family === 'AF_UNIX' ? null : currentAuthkey()) : given;
  const timeoutMs = normalizeTimeout('timeoutMs', options.timeoutMs);
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) typeError('signal', 'an AbortSignal', signal);
  signal?.throwIfAborted();
  const native = requireNative('Client');
  const deadline = deadlineIn(
    timeoutMs,
    (what, cause) =>
      new TimeoutError(
        `Connected to ${describeAddress(address)}, but the authentication handshake did not complete within ${timeoutMs} ms ` +
          `(timeoutMs; waiting for ${what}). Is the Listener calling accept()?`,
        { cause },
      ),
  );
  const fd = await connectWithRetry(resolved, native, deadline, signal);
  const connection = openConnection(fd, { readable: true, writable: true, native });
  if (authkey === null) return connection;
  const onAbort = () => connection.close();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await answerChallenge(connection, authkey, deadline);
    await deliverChallenge(connection, authkey, deadline);
    return connection;
  } catch (error) {
    connection.close();
    if (signal?.aborted === true) throw signal.reason;
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

async function connectWithRetry(
  address: ResolvedAddress,
  native: NativeBinding,
  deadline: Deadline,
  signal: AbortSignal | undefined,
): Promise<number> {
  let pause = RETRY_FIRST_MS;
  for (;;) {
    try {
      return await connectOnce(address, native, deadline, signal);
    } catch (error) {
      // A full backlog on a unix socket: Python's blocking connect would wait for room; so do we.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      const left = deadline.left();
      if (left === 0) throw timedOut(address, deadline);
      await new Promise((resolve) => setTimeout(resolve, left === undefined ? pause : Math.min(pause, left)));
      signal?.throwIfAborted();
      pause = Math.min(pause * 2, RETRY_MAX_MS);
    }
  }
}

// One non-blocking connect; resolves with the connected socket's fd. A unix socket connects at
// once (or fails: ENOENT, ECONNREFUSED, EAGAIN when its backlog is full); TCP waits until the
// socket is writable, then reads the outcome. A host name is looked up first.
async function connectOnce(
  address: ResolvedAddress,
  native: NativeBinding,
  deadline: Deadline,
  signal: AbortSignal | undefined,
): Promise<number> {
  let family: SocketFamily = 'unix';
  let host = '';
  let port = 0;
  if (address.family !== 'AF_UNIX') {
    family = address.family === 'AF_INET6' ? 'inet6' : 'inet';
    host = isIP(address.host) !== 0 ? address.host : (await lookup(address.host, { family: family === 'inet6' ? 6 : 4 })).address;
    port = address.port;
  }
  let fd: number;
  let connected: boolean;
  try {
    if (address.family === 'AF_UNIX' && address.path.startsWith('\0'))
      [fd, connected] = native.connectSocket('unix-abstract', address.path.slice(1), 0);
    else [fd, connected] = native.connectSocket(family, address.family === 'AF_UNIX' ? address.path : host, port);
  } catch (error) {
    throw withAddress(error, address);
  }
  if (connected) return fd;
  return new Promise<number>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (error: Error | null) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      watcher.close();
      if (error === null) return resolve(fd);
      try {
        native.close(fd);
      } catch {
        // already closed
      }
      reject(error);
    };
    const onAbort = () => finish(asError(signal?.reason));
    const watcher = native.watchWritable(fd, () => {
      try {
        native.connectResult(fd);
        finish(null);
      } catch (error) {
        finish(withAddress(error, address));
      }
    });
    const left = deadline.left();
    if (left !== undefined) timer = setTimeout(() => finish(timedOut(address, deadline)), left);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// A system error of connect, its message naming the address (`connect: Connection refused (127.0.0.1:5000)`).
function withAddress(error: unknown, address: ResolvedAddress): Error {
  const failure = asError(error);
  failure.message = `${failure.message} (${describeAddress(toAddress(address))})`;
  return failure;
}

function toAddress(address: ResolvedAddress): Address {
  return address.family === 'AF_UNIX' ? address.path : [address.host, address.port];
}

function timedOut(address: ResolvedAddress, deadline: Deadline): TimeoutError {
  return new TimeoutError(`Could not connect to ${describeAddress(toAddress(address))} within ${deadline.timeoutMs} ms (timeoutMs).`);
}
