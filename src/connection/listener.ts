// Listener: Python's multiprocessing.connection.Listener. A socket bound to an address (a unix
// socket path or a TCP [host, port]) whose accept() gives Connections, the same class Pipe()
// gives, authenticated with an HMAC challenge both ways when there is an authkey (see auth.ts).
import { ProcessStateError, TimeoutError } from '../errors.ts';
import { requireNative, type NativeBinding } from '../native/binding.ts';
import { registerAfterFork } from '../os/child.ts';
import { Acceptor, type Accepted } from './acceptor.ts';
import { numericHost, privateSocketDir, socketPathIn, type Address, type Family } from './address.ts';
import { currentAuthkey } from '../authkey.ts';
import type { Connection } from './connection.ts';
import { asError, AuthenticationError, listenerClosed } from './errors.ts';
import { checkAcceptOptions, normalizeListenerOptions, type AcceptOptions, type ListenerOptions } from './listener-options.ts';
import { listenerFinalizer, SocketFiles } from './socket-files.ts';
import { brand } from '../symbols.ts';

/** Internal (wait): the Listener's acceptor. */
export const kAcceptor = Symbol.for('multiproc.listener.acceptor');

const live = new Set<WeakRef<Listener>>();
const kAfterFork = Symbol('multiproc.listener.afterFork');

/**
 * A bound, listening socket: accept() the Connections that reach its address (a Unix socket
 * path, or `[host, port]` over TCP with an authkey), as Python's multiprocessing.connection.
 * @throws {AuthenticationError} from accept() when a peer has the wrong authkey (iteration skips it).
 * @example
 * using listener = new Listener({ address: ['127.0.0.1', 0], authkey: 'secret' });
 * for await (const conn of listener) {
 *   await conn.send(await conn.recv()); // echo one message per client
 *   conn.close();
 * }
 */
export class Listener implements AsyncIterable<Connection> {
  readonly #native: NativeBinding;
  readonly #fd: number;
  readonly #address: Address;
  readonly #family: Family;
  readonly #acceptor: Acceptor;
  readonly #ref = new WeakRef(this);
  readonly #files = new SocketFiles();
  #lastAccepted: Address | null = null;
  #closed = false;

  constructor(options: ListenerOptions = {}) {
    const opts = normalizeListenerOptions(options);
    this.#native = requireNative('Listener');
    this.#family = opts.family;
    let address = opts.address;
    if (address === null && opts.family === 'AF_UNIX') {
      const dir = privateSocketDir();
      this.#files.ownDir(dir);
      address = socketPathIn(dir);
    }
    address ??= [opts.family === 'AF_INET6' ? '::1' : '127.0.0.1', 0];
    try {
      if (typeof address === 'string') {
        const abstract = address.startsWith('\0');
        this.#fd = this.#native.listenSocket(abstract ? 'unix-abstract' : 'unix', abstract ? address.slice(1) : address, 0, opts.backlog);
        this.#address = address;
        if (!abstract) this.#files.ownPath(address);
      } else {
        const family = opts.family === 'AF_INET6' ? 'inet6' : 'inet';
        this.#fd = this.#native.listenSocket(
          family,
          numericHost(address[0], opts.family as 'AF_INET' | 'AF_INET6'),
          address[1],
          opts.backlog,
        );
        const bound = this.#native.socketAddress(this.#fd, false) as [string, number];
        this.#address = [bound[0], bound[1]];
      }
    } catch (error) {
      this.#files.remove();
      throw error;
    }
    this.#acceptor = new Acceptor(
      this.#fd,
      this.#native,
      opts.authkey === undefined ? (typeof address === 'string' ? null : currentAuthkey()) : opts.authkey,
      opts.handshakeTimeoutMs,
    );
    live.add(this.#ref);
    listenerFinalizer.register(this, { fd: this.#fd, files: this.#files }, this);
  }

  /** Where peers connect: the socket path, or `[ip, port]` with the port the OS chose for port 0. */
  get address(): Address {
    return typeof this.#address === 'string' ? this.#address : [this.#address[0], this.#address[1]];
  }

  /** 'AF_UNIX', 'AF_INET' or 'AF_INET6'. */
  get family(): Family {
    return this.#family;
  }

  /** The peer address of the connection accept() gave last (`[ip, port]` on TCP; null on a unix socket or before any). */
  get lastAccepted(): Address | null {
    return this.#lastAccepted;
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The listening socket's file descriptor. */
  fileno(): number {
    if (this.#closed) throw listenerClosed('use fileno()');
    return this.#fd;
  }

  /**
   * The next connection, authenticated when there is an authkey. A peer that fails the handshake
   * (wrong authkey, garbage, too slow) rejects this call with AuthenticationError, as Python's
   * accept(); the Listener keeps serving (call accept() again). Async iteration skips such peers.
   */
  async accept(options: AcceptOptions = {}): Promise<Connection> {
    if (this.#closed) throw listenerClosed('accept()');
    const { timeoutMs, signal } = checkAcceptOptions(options);
    if (signal?.aborted === true) throw signal.reason;
    const accepted = await this.#next(timeoutMs, signal);
    if (!accepted.ok) throw accepted.error;
    this.#lastAccepted = accepted.peer;
    return accepted.connection;
  }

  /** Stop listening: waiting accept() calls reject, the socket file (and its private directory) is removed. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    live.delete(this.#ref);
    listenerFinalizer.unregister(this);
    this.#acceptor.close(listenerClosed('accept()'));
    try {
      this.#native.close(this.#fd);
    } catch {
      // already closed
    }
    this.#files.remove();
  }

  /** Authenticated connections until close() (peers that fail the handshake are skipped). */
  async *[Symbol.asyncIterator](): AsyncGenerator<Connection, void, undefined> {
    while (!this.#closed) {
      let connection: Connection;
      try {
        connection = await this.accept();
      } catch (error) {
        if (error instanceof AuthenticationError) continue;
        if (this.#closed && error instanceof ProcessStateError) return;
        throw error;
      }
      yield connection;
    }
  }

  /** close(), for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** close(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  /** Internal (wait): the acceptor. */
  get [kAcceptor](): Acceptor {
    return this.#acceptor;
  }

  toString(): string {
    return `Listener(${typeof this.#address === 'string' ? this.#address : this.#address.join(':')}${this.#closed ? ', closed' : ''})`;
  }

  /** Internal: in a forked child, the parent's accepts and connections are the parent's (its files too: socket-files.ts). */
  [kAfterFork](): void {
    this.#acceptor.forgetAfterFork();
  }

  #next(timeoutMs: number | undefined, signal: AbortSignal | undefined): Promise<Accepted> {
    return new Promise<Accepted>((resolve, reject) => {
      if (timeoutMs === undefined && signal === undefined) return void this.#acceptor.take(resolve);
      let timer: NodeJS.Timeout | undefined;
      const giveUp = (error: unknown) => {
        withdraw();
        cleanup();
        reject(asError(error));
      };
      const onAbort = () => giveUp(signal?.reason);
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const settle = (accepted: Accepted) => {
        cleanup();
        resolve(accepted);
      };
      if (timeoutMs !== undefined)
        timer = setTimeout(
          () => giveUp(new TimeoutError(`No connection was accepted within ${timeoutMs} ms; the Listener is still listening.`)),
          timeoutMs,
        );
      signal?.addEventListener('abort', onAbort, { once: true });
      const withdraw = this.#acceptor.take(settle);
    });
  }
}

brand(Listener, 'Listener');

registerAfterFork(() => {
  for (const ref of live) ref.deref()?.[kAfterFork]();
});
