// The two ends of a portable Pipe and how their sockets come to be. Without the addon there is no
// synchronous socketpair(), so a Pipe starts with none: the first end sent to a spawned child
// before either end was used gets a pair made by the spawn itself (stdio-pairs.ts; the child's fd
// and this process's socket, which the other end takes). Otherwise the pair is made here on first
// use, over a unix socket in this process's private directory (paths.ts): listen, connect, accept.
// Making it waits a turn of the event loop, so `a.recv(); child.start()` written together still
// takes the spawn's pair.
import { createServer, connect, type Socket } from 'node:net';
import { freshAddress } from './paths.ts';
import { requestPair } from './stdio-pairs.ts';

/** What a Pipe end needs from its pair. */
export interface PairEnd {
  /** Take `socket` as this end's own (null: it never came; the end fails its waits). */
  attach(socket: Socket | null, why?: string): void;
}

/** The ends of one portable Pipe and the state of their sockets. */
export class Pair {
  readonly #ends: [PairEnd, PairEnd];
  #state: 'none' | 'scheduled' | 'made' = 'none';

  constructor(a: PairEnd, b: PairEnd) {
    this.#ends = [a, b];
  }

  /** An end is used here: make the pair in this process soon, unless it already exists. */
  wanted(): void {
    if (this.#state !== 'none') return;
    this.#state = 'scheduled';
    setImmediate(() => {
      if (this.#state === 'scheduled') this.#makeLocal();
    });
  }

  /** Whether the pair has no sockets yet (a child may still get the spawn's pair). */
  get unmade(): boolean {
    return this.#state !== 'made';
  }

  /**
   * End `end` goes to a spawned child before the pair exists: a ticket for the spawn's pair. The
   * other end takes this process's socket of it; `end` keeps none here (it lives in the child).
   */
  ticketFor(end: PairEnd): number {
    this.#state = 'made';
    const other = this.#ends[0] === end ? this.#ends[1] : this.#ends[0];
    return requestPair((socket) => other.attach(socket, 'the spawn that was to carry the other end failed'));
  }

  #makeLocal(): void {
    this.#state = 'made';
    const [a, b] = this.#ends;
    const address = freshAddress('pipe');
    const server = createServer({ pauseOnConnect: true });
    server.on('error', (error) => {
      a.attach(null, `its socket could not be made (${error.message})`);
      b.attach(null, `its socket could not be made (${error.message})`);
    });
    server.once('connection', (socket) => {
      server.close();
      b.attach(socket);
    });
    server.listen(address);
    server.unref();
    const client = connect(address);
    client.pause();
    a.attach(client);
  }
}
