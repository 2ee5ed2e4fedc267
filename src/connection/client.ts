// Client(): Python's multiprocessing.connection.Client. Connects to a Listener's address and
// gives a Connection, authenticated both ways when there is an authkey (see auth.ts). The
// connect itself goes through Node's net (asynchronous, name lookup included); the connected
// socket's file descriptor is then duplicated into a Connection and the net.Socket let go
// before it read anything (it is paused from the start).
import { connect, type Socket } from 'node:net';
import { currentAuthkey } from '../authkey.ts';
import { TimeoutError } from '../errors.ts';
import { requireNative, type NativeBinding } from '../native/binding.ts';
import { normalizeTimeout, typeError } from '../options.ts';
import { checkAddress, checkFamily, describeAddress, type Address, type Family, type ResolvedAddress } from './address.ts';
import { answerChallenge, deadlineIn, deliverChallenge, normalizeAuthkey, type Deadline } from './auth.ts';
import { Connection } from './connection.ts';
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

/** Connect to the Listener at `address`; resolves with the Connection once authenticated. */
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
  const deadline = deadlineIn(timeoutMs);
  const fd = await connectWithRetry(resolved, native, deadline, signal);
  const connection = new Connection(fd, { readable: true, writable: true, native });
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

async function connectWithRetry(address: ResolvedAddress, native: NativeBinding, deadline: Deadline, signal: AbortSignal | undefined): Promise<number> {
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

// One connect through net; resolves with a duplicate of the connected socket's fd.
function connectOnce(address: ResolvedAddress, native: NativeBinding, deadline: Deadline, signal: AbortSignal | undefined): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const socket: Socket =
      address.family === 'AF_UNIX' ? connect({ path: address.path }) : connect({ host: address.host, port: address.port, family: address.family === 'AF_INET6' ? 6 : 4, noDelay: true });
    socket.pause(); // nothing may be read into JavaScript: the Connection reads the fd
    let timer: NodeJS.Timeout | undefined;
    const finish = (error: unknown, fd?: number) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
      if (fd === undefined) reject(asError(error));
      else resolve(fd);
    };
    const onAbort = () => finish(signal?.reason);
    socket.once('connect', () => {
      const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
      if (typeof fd !== 'number' || fd < 0) return finish(new Error(`Connected to ${describeAddress(toAddress(address))}, but Node.js did not expose the socket's file descriptor.`));
      try {
        finish(undefined, native.dup(fd));
      } catch (error) {
        finish(error);
      }
    });
    socket.once('error', (error) => finish(error));
    const left = deadline.left();
    if (left !== undefined) timer = setTimeout(() => finish(timedOut(address, deadline)), left);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function toAddress(address: ResolvedAddress): Address {
  return address.family === 'AF_UNIX' ? address.path : [address.host, address.port];
}

function timedOut(address: ResolvedAddress, deadline: Deadline): TimeoutError {
  return new TimeoutError(`Could not connect to ${describeAddress(toAddress(address))} within ${deadline.timeoutMs} ms (timeoutMs).`);
}
