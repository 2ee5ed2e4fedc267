// The portable Value's state (served by its creator, server.ts): the number, pushed to the
// processes that hold a copy (replicas.ts) on every write, the writer's copy told it is its echo.
import { Subscribers, type OnCancel, type Served, type Session } from './waits.ts';

/** Server side: the number, and the processes holding a copy. */
export class ValueState implements Served {
  #value: unknown;
  readonly #subscribers: Subscribers;

  constructor(id: number, initial: unknown) {
    this.#value = initial;
    this.#subscribers = new Subscribers(id);
  }

  call(session: Session, op: string, args: unknown[], _onCancel: OnCancel): unknown {
    switch (op) {
      case 'get':
        return this.#value;
      case 'set':
        this.#value = args[0];
        this.#subscribers.push(this.#value, session);
        return undefined;
      case 'subscribe':
        this.#subscribers.add(session, this.#value);
        return undefined;
      default:
        throw new TypeError(`unknown operation ${op}`);
    }
  }

  dropped(session: Session): void {
    this.#subscribers.drop(session);
  }
}
