// The accepting half of a Listener: takes connections from the kernel's queue while accept()
// calls wait (as Python's, a connection nobody asked for stays in the kernel's backlog),
// authenticates them concurrently (a peer that stalls holds up no one else, and is dropped at
// its deadline), and hands out the outcomes in the order they end: each connection taken is one
// outcome for one accept(), an authenticated Connection or the AuthenticationError of a peer
// that failed (kept for the next accept() when none waits any more).
import type { FdWatcher, NativeBinding } from '../native/binding.ts';
import type { Address } from './address.ts';
import { answerChallenge, deadlineIn, deliverChallenge } from './auth.ts';
import { openConnection, type Connection } from './connection.ts';
import { AuthenticationError } from './errors.ts';

/** At most this many handshakes run at once; more connections wait in the kernel's backlog. */
export const MAX_HANDSHAKES = 32;

/** What one accepted connection came to: an authenticated Connection and its peer, or why it was dropped. */
export type Accepted = { ok: true; connection: Connection; peer: Address | null } | { ok: false; error: Error };

interface Waiter {
  resolve(accepted: Accepted): void;
}

export class Acceptor {
  readonly #fd: number;
  readonly #native: NativeBinding;
  readonly #authkey: Buffer | null;
  readonly #handshakeTimeoutMs: number | undefined;
  readonly #waiters: Waiter[] = [];
  readonly #ready: Accepted[] = [];
  readonly #handshaking = new Set<Connection>();
  readonly #watchers = new Set<() => void>(); // wait()'s: called once when a connection is pending
  #watcher: FdWatcher | null = null;
  #closed = false;

  constructor(fd: number, native: NativeBinding, authkey: Buffer | null, handshakeTimeoutMs: number | undefined) {
    this.#fd = fd;
    this.#native = native;
    this.#authkey = authkey;
    this.#handshakeTimeoutMs = handshakeTimeoutMs;
  }

  /**
   * Call `resolve` with the next outcome: at once when one is ready, else once a connection came
   * in and was authenticated (or failed). Returns the function that withdraws the request (a
   * timeout, an abort): it then gets nothing, and nothing is lost.
   */
  take(resolve: (accepted: Accepted) => void): () => void {
    const ready = this.#ready.shift();
    if (ready !== undefined) {
      resolve(ready);
      return () => undefined;
    }
    const waiter = { resolve };
    this.#waiters.push(waiter);
    this.#pump();
    return () => {
      const index = this.#waiters.indexOf(waiter);
      if (index >= 0) this.#waiters.splice(index, 1);
      this.#update();
    };
  }

  /** Whether next() would not wait for a peer to connect: an outcome is ready, or one waits in the kernel. */
  pendingNow(): boolean {
    return this.#closed || this.#ready.length > 0 || this.#native.pollReadable([this.#fd], 0).length > 0;
  }

  /** Call `callback` once, when pendingNow() becomes true; returns the function that cancels it. */
  whenPending(callback: () => void): () => void {
    if (this.pendingNow()) {
      queueMicrotask(callback);
      return () => undefined;
    }
    this.#watchers.add(callback);
    this.#update();
    return () => {
      this.#watchers.delete(callback);
      this.#update();
    };
  }

  /** Stop: the waiting next() calls get `error`, unclaimed and half-authenticated connections are closed. */
  close(error: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopWatching();
    for (const waiter of this.#waiters.splice(0)) waiter.resolve({ ok: false, error });
    for (const connection of this.#handshaking) connection.close();
    this.#handshaking.clear();
    for (const accepted of this.#ready.splice(0)) if (accepted.ok) accepted.connection.close();
    for (const watcher of [...this.#watchers]) watcher();
    this.#watchers.clear();
  }

  /** In a forked child: the parent's waiters and connections are the parent's; this copy keeps only the socket. */
  forgetAfterFork(): void {
    this.#watcher = null; // the parent's uv_poll; the child's loop does not have it
    this.#waiters.length = 0;
    this.#watchers.clear();
    for (const connection of this.#handshaking) connection.close();
    this.#handshaking.clear();
    for (const accepted of this.#ready.splice(0)) if (accepted.ok) accepted.connection.close();
  }

  // Take connections from the kernel while next() calls wait for more than are ready or being
  // authenticated (up to MAX_HANDSHAKES at once), then watch the socket for more if still wanted.
  #pump(): void {
    while (!this.#closed && this.#accepting()) {
      let fd: number;
      try {
        fd = this.#native.accept(this.#fd);
      } catch (error) {
        this.#deliver({ ok: false, error: error as Error }); // EMFILE and the like: Python's accept() raises it
        continue;
      }
      if (fd < 0) break;
      this.#admit(fd);
    }
    this.#update();
  }

  // More next() calls wait than outcomes are ready. Connections being authenticated do not count:
  // one that stalls must not keep the next peer in the kernel's queue until its deadline.
  #wanted(): boolean {
    return this.#waiters.length > this.#ready.length;
  }

  #admit(fd: number): void {
    let peer: Address | null = null;
    try {
      const name = this.#native.socketAddress(fd, true);
      peer = Array.isArray(name) ? [name[0], name[1]] : null;
    } catch {
      // the peer is already gone: its connection reads EOF
    }
    const connection = openConnection(fd, { readable: true, writable: true, native: this.#native });
    const authkey = this.#authkey;
    if (authkey === null) return this.#deliver({ ok: true, connection, peer });
    this.#handshaking.add(connection);
    const deadline = deadlineIn(
      this.#handshakeTimeoutMs,
      (what, cause) =>
        new AuthenticationError(
          `A peer did not complete the authentication handshake within ${this.#handshakeTimeoutMs} ms ` +
            `(handshakeTimeoutMs; waiting for ${what}): it was dropped.`,
          { cause },
        ),
    );
    void deliverChallenge(connection, authkey, deadline)
      .then(() => answerChallenge(connection, authkey, deadline))
      .then(
        () => ({ ok: true, connection, peer }) as const,
        (error: unknown) => {
          connection.close();
          return {
            ok: false,
            error:
              error instanceof AuthenticationError
                ? error
                : new AuthenticationError(`The authentication handshake failed: ${(error as Error).message}`, { cause: error }),
          } as const;
        },
      )
      .then((accepted) => {
        if (!this.#handshaking.delete(connection)) return; // closed meanwhile
        this.#deliver(accepted);
        this.#pump();
      });
  }

  #deliver(accepted: Accepted): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter.resolve(accepted);
    else this.#ready.push(accepted);
    if (this.#ready.length > 0) this.#notifyWatchers();
  }

  #notifyWatchers(): void {
    for (const watcher of [...this.#watchers]) watcher();
    this.#watchers.clear();
  }

  // Watch the socket, ref'd (an accept() in progress keeps the process alive), while connections
  // are wanted or wait() watches. Otherwise the watcher is left on, unref'd, until it next fires
  // (level-triggered, it is then closed): a server taking one connection after another keeps one
  // watcher rather than making one per accept().
  #update(): void {
    if (this.#closed) return this.#stopWatching();
    if (!this.#accepting() && this.#watchers.size === 0) return this.#watcher?.unref();
    if (this.#watcher === null) this.#watcher = this.#native.watchReadable(this.#fd, () => this.#readable());
    else this.#watcher.ref();
  }

  #readable(): void {
    if (this.#watchers.size > 0) this.#notifyWatchers();
    this.#pump();
    // Nobody waits, or MAX_HANDSHAKES run: leave the connection in the kernel (firing on would spin).
    if (!this.#accepting() && this.#watchers.size === 0) this.#stopWatching();
  }

  #accepting(): boolean {
    return this.#wanted() && this.#handshaking.size < MAX_HANDSHAKES;
  }

  #stopWatching(): void {
    this.#watcher?.close();
    this.#watcher = null;
  }
}
