// One client connection to a manager: the references it holds, its pending waits (cancelled
// when it disconnects), and the objects whose locks it may hold (told when it goes).
import type { Connection } from '../connection/connection.ts';
import { ManagerClosedError } from './errors.ts';
import type { ObjectTable } from './objects.ts';
import { kCallerGone } from './referents/locks.ts';
import type { Caller } from './referents/waiting.ts';

let nextSession = 0;

/** A connected client, as the server sees it. */
export class Session {
  readonly id = ++nextSession;
  pid = 0;
  /** The client asked the manager to shut down (done once the reply is sent). */
  shutdownAsked = false;
  readonly conn: Connection;
  readonly #table: ObjectTable;
  readonly #refs = new Map<string, number>();
  readonly #life = new AbortController();
  readonly #calls = new Map<number, AbortController>();
  readonly #touched = new Set<{ [kCallerGone](caller: Caller): void }>();
  readonly #caller: Caller;

  constructor(conn: Connection, table: ObjectTable) {
    this.conn = conn;
    this.#table = table;
    const pidOf = () => this.pid;
    this.#caller = {
      id: this.id,
      get pid() {
        return pidOf();
      },
      signal: this.#life.signal,
    };
  }

  /** This client's identity for a call that may wait: cancellable by `cancel(requestId)`. */
  callerFor(requestId: number, object: unknown): Caller {
    if (typeof (object as Partial<Record<typeof kCallerGone, unknown>>)[kCallerGone] === 'function')
      this.#touched.add(object as { [kCallerGone](caller: Caller): void });
    if (requestId === 0) return this.#caller;
    const controller = new AbortController();
    this.#calls.set(requestId, controller);
    const caller = this.#caller;
    return { id: caller.id, pid: caller.pid, signal: AbortSignal.any([this.#life.signal, controller.signal]) };
  }

  /** The call `requestId` ended. */
  callEnded(requestId: number): void {
    this.#calls.delete(requestId);
  }

  /** Cancel a waiting call (the client's AbortSignal fired). */
  cancel(requestId: number): void {
    const error = new Error('The call was cancelled by its AbortSignal.');
    error.name = 'AbortError';
    this.#calls.get(requestId)?.abort(error);
  }

  /** This client now holds one more reference to `id`. */
  hold(id: string): void {
    this.#refs.set(id, (this.#refs.get(id) ?? 0) + 1);
  }

  /** incref from this client. */
  incref(id: string, typeid?: string): void {
    this.#table.incref(id, typeid);
    this.hold(id);
  }

  /** decref from this client (one it holds; others are ignored, never a double free). */
  decref(id: string): void {
    const count = this.#refs.get(id);
    if (count === undefined) return;
    if (count <= 1) this.#refs.delete(id);
    else this.#refs.set(id, count - 1);
    this.#table.decref(id);
  }

  /** The client is gone: stop its waits, hand over its locks, give back its references. */
  end(): void {
    if (this.#life.signal.aborted) return;
    this.#life.abort(new ManagerClosedError('The client disconnected.'));
    for (const object of this.#touched) object[kCallerGone](this.#caller);
    for (const [id, count] of this.#refs) for (let i = 0; i < count; i++) this.#table.decref(id);
    this.#refs.clear();
  }
}
