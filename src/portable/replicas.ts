// Client side of the pushes (waits.ts, Subscribers): state copied to the processes that use a served object, for the reads that must answer at once
// (Value's `.value`, Barrier's `broken` and `nWaiting`) in a process that does not serve it. A
// process subscribes once per object; the server pushes every new state to its subscribers on the
// socket its replies use, so a push made before a reply arrives before it: a process that gets a
// lock (or a wait's answer) from the server that also serves the Value sees every write made
// before that lock was released. A process's own write shows at once in its copy; pushes that
// arrive while its writes are still on the way are older than them and are skipped, and the echo
// of its last write brings the copy back in line with the server's order (concurrent writers
// end with the same value everywhere).
import { rebuildPending } from '../reduction.ts';
import { callObject, watchObject, type ObjectHandle } from './client.ts';

/** Client side: this process's copy of a served object's state. */
export class Replica {
  #value: unknown;
  #unechoed = 0; // own writes not yet pushed back by the server
  /** Settles once the server has answered the subscription (the copy is then current). */
  readonly ready: Promise<void>;

  constructor(handle: ObjectHandle, initial: unknown) {
    this.#value = initial;
    watchObject(handle, (value, echo) => this.#pushed(value, echo));
    this.ready = callObject(handle, 'subscribe', []).then(
      () => undefined, // the state came as a push, before this reply
      () => undefined, // the serving process is gone: calls say so, reads keep the last state
    );
  }

  /** The state as last known here. */
  get value(): unknown {
    return this.#value;
  }

  /** This process wrote `value` (sent to the server by the caller, after this). */
  wrote(value: unknown): void {
    this.#value = value;
    this.#unechoed++;
  }

  #pushed(value: unknown, echo: boolean): void {
    if (echo) this.#unechoed--;
    if (this.#unechoed === 0) this.#value = value;
  }
}

const replicas = new Map<string, Replica>();

/** This process's copy of the object's state (one per object; made, and subscribed, on first use). */
export function replicaOf(handle: ObjectHandle, initial: unknown): Replica {
  const key = `${handle.address}#${handle.spec.id}`;
  let replica = replicas.get(key);
  if (replica === undefined) {
    replica = new Replica(handle, initial);
    replicas.set(key, replica);
    // A Process child's target starts once the copy is current (see rebuildsSettled).
    rebuildPending(replica.ready);
  }
  return replica;
}
