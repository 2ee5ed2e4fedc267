// What the portable object server's state machines share: the session of a process talking to
// the server, the served-object interface, FIFO waits with a timeout and a withdrawal, and the
// subscribers an object pushes its new state to (their copies: replicas.ts).

/** A process talking to the server (its own calls: the local session). */
export interface Session {
  pid: number;
  key: string;
  cancels: Map<number, () => void>;
  /** Send object `id`'s new state to this process (a socket's session only; its replies follow in order). */
  push?: (id: number, value: unknown, echo: boolean) => void;
}

/** How a wait registers its withdrawal. */
export type OnCancel = (cancel: () => void) => void;

/** A served object. */
export interface Served {
  call(session: Session, op: string, args: unknown[], onCancel: OnCancel): unknown;
  /** The session's process is gone. */
  dropped?(session: Session): void;
}

interface Waiter<T> {
  session: Session;
  grant(value: T): void;
}

/** Waiters in FIFO order, each with its timeout and withdrawal. */
export class Waits<T> {
  readonly list: Waiter<T>[] = [];

  /** Wait until granted; after `timeoutMs`, `timedOut` ends the wait (its resolve, its reject). */
  add(
    session: Session,
    timeoutMs: unknown,
    onCancel: OnCancel,
    timedOut: (resolve: (v: T) => void, reject: (e: Error) => void) => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const leave = () => {
        const at = this.list.indexOf(waiter);
        if (at >= 0) this.list.splice(at, 1);
        if (timer !== undefined) clearTimeout(timer);
      };
      const waiter: Waiter<T> = {
        session,
        grant: (value) => {
          leave();
          resolve(value);
        },
      };
      this.list.push(waiter);
      if (typeof timeoutMs === 'number') {
        timer = setTimeout(() => {
          leave();
          timedOut(resolve, reject);
        }, timeoutMs);
      }
      onCancel(() => {
        leave();
        reject(new Error('withdrawn'));
      });
    });
  }

  /** Grant the first waiter `value`; false when none waits. */
  grantFirst(value: T): boolean {
    const first = this.list[0];
    if (first === undefined) return false;
    first.grant(value);
    return true;
  }
}

/** Server side: the sessions subscribed to one object, and the pushing of its new state. */
export class Subscribers {
  readonly #id: number;
  readonly #sessions = new Set<Session>();

  constructor(id: number) {
    this.#id = id;
  }

  /**
   * `session` gets `current` now and every later push (the local session needs none: it reads
   * the object itself). Pushed, not replied: a reply goes out a turn later, after pushes made meanwhile.
   */
  add(session: Session, current: unknown): void {
    if (session.push === undefined) return;
    this.#sessions.add(session);
    session.push(this.#id, current, false);
  }

  /** `session`'s process is gone. */
  drop(session: Session): void {
    this.#sessions.delete(session);
  }

  /** Push `value` to every subscriber; `writer`'s copy learns it is the echo of its own write. */
  push(value: unknown, writer: Session | null = null): void {
    for (const session of this.#sessions) session.push?.(this.#id, value, session === writer);
  }
}
