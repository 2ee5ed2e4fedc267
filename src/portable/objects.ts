// The state machines the portable object server runs (server.ts): Lock/RLock, Semaphore, Event,
// Queue/JoinableQueue, Condition (Barrier and Value: files of their own). Each operation answers
// at once or waits (FIFO, with the timeout counted here); a wait can be withdrawn (an aborted
// signal, a process gone).
import { QueueClosedError, QueueEmptyError, QueueFullError, TaskDoneError } from '../queues/errors.ts';
import { NotOwnerError, OwnerDiedError, TooManyReleasesError } from '../sync/errors.ts';
import type { ObjectSpec } from './protocol.ts';
import { BarrierState } from './barrier-state.ts';
import { ValueState } from './value-state.ts';
import { Waits, type OnCancel, type Served, type Session } from './waits.ts';

export type { OnCancel, Served, Session } from './waits.ts';

class LockState implements Served {
  readonly #recursive: boolean;
  #owner: Session | null = null;
  #depth = 0;
  #died: number | null = null; // the pid of a holder that ended holding it: told to the next acquire
  readonly #waits = new Waits<number | null>();

  constructor(recursive: boolean) {
    this.#recursive = recursive;
  }

  call(session: Session, op: string, args: unknown[], onCancel: OnCancel): unknown {
    switch (op) {
      case 'acquire':
        if (this.#owner === null) return this.#take(session, this.#died);
        if (this.#recursive && this.#owner === session) return ++this.#depth > 0;
        if (args[0] === 0) return false;
        return this.#waits
          .add(session, args[0], onCancel, (resolve) => resolve(-1))
          .then((died) => (died === -1 ? false : this.#take(session, died)));
      case 'release': {
        const kind = this.#recursive ? 'RLock' : 'Lock';
        if (this.#owner === null) throw new NotOwnerError(`Cannot release this ${kind}: it is not locked.`, null);
        if (this.#owner !== session)
          throw new NotOwnerError(
            `Cannot release this ${kind}: it is held by process ${this.#owner.pid}, not by process ${session.pid}.`,
            this.#owner.pid,
          );
        if (--this.#depth === 0) this.#handOff(null);
        return undefined;
      }
      case 'state':
        return { owner: this.#owner?.pid ?? null, mine: this.#owner === session, depth: this.#owner === session ? this.#depth : 0 };
      default:
        throw new TypeError(`unknown operation ${op}`);
    }
  }

  dropped(session: Session): void {
    if (this.#owner === session) this.#handOff(session.pid);
  }

  /** Condition.wait: `session` must hold the lock; release it completely, returning its depth. */
  releaseAll(session: Session, what: string): number {
    if (this.#owner !== session)
      throw new NotOwnerError(`Cannot ${what}: the Condition's lock is not held by process ${session.pid}.`, this.#owner?.pid ?? null);
    const depth = this.#depth;
    this.#handOff(null);
    return depth;
  }

  /** Condition.wait: take the lock again for `session` (waiting as long as it takes), at `depth`. */
  async reacquire(session: Session, depth: number, onCancel: OnCancel): Promise<void> {
    const got = this.#owner === null ? true : await this.#waits.add(session, undefined, onCancel, () => undefined);
    this.#take(session, got === true ? this.#died : got);
    this.#depth = depth;
  }

  /** Whether `session` holds the lock. */
  ownedBy(session: Session): boolean {
    return this.#owner === session;
  }

  // The lock is taken by `session`; a died owner's pid makes the acquire reject (owning it).
  #take(session: Session, died: number | null): boolean {
    this.#owner = session;
    this.#depth = 1;
    this.#died = null;
    if (died !== null) throw new OwnerDiedError(died, this.#recursive ? 'RLock' : 'Lock');
    return true;
  }

  #handOff(died: number | null): void {
    this.#owner = null;
    this.#depth = 0;
    const next = this.#waits.list[0];
    if (next === undefined) {
      this.#died = died;
      return;
    }
    this.#owner = next.session; // reserved until its continuation takes it
    this.#waits.grantFirst(died);
  }
}

class SemaphoreState implements Served {
  #value: number;
  readonly #bound: number | null;
  readonly #waits = new Waits<boolean>();

  constructor(value: number, bounded: boolean) {
    this.#value = value;
    this.#bound = bounded ? value : null;
  }

  call(session: Session, op: string, args: unknown[], onCancel: OnCancel): unknown {
    switch (op) {
      case 'acquire':
        if (this.#value > 0 && this.#waits.list.length === 0) return this.#value-- > 0;
        if (args[0] === 0) return false;
        return this.#waits.add(session, args[0], onCancel, (resolve) => resolve(false));
      case 'release': {
        const n = args[0] as number;
        if (this.#bound !== null && this.#value + n > this.#bound)
          throw new TooManyReleasesError(
            `Cannot release this BoundedSemaphore ${n} time(s): its value would go over ${this.#bound}, its initial value.`,
          );
        this.#value += n;
        while (this.#value > 0 && this.#waits.grantFirst(true)) this.#value--;
        return undefined;
      }
      case 'getValue':
        return this.#value;
      default:
        throw new TypeError(`unknown operation ${op}`);
    }
  }
}

class EventState implements Served {
  #flag = false;
  readonly #waits = new Waits<boolean>();

  call(session: Session, op: string, args: unknown[], onCancel: OnCancel): unknown {
    switch (op) {
      case 'set':
        this.#flag = true;
        while (this.#waits.grantFirst(true));
        return undefined;
      case 'clear':
        this.#flag = false;
        return undefined;
      case 'isSet':
        return this.#flag;
      case 'wait':
        if (this.#flag) return true;
        if (args[0] === 0) return false;
        return this.#waits.add(session, args[0], onCancel, (resolve) => resolve(false));
      default:
        throw new TypeError(`unknown operation ${op}`);
    }
  }
}

const CLOSED = new Uint8Array(0); // what waiting gets receive when the queue closes

function closedError(rest: string): QueueClosedError {
  return new QueueClosedError(`This queue was closed ${rest.startsWith('and') ? rest : `: ${rest}`}.`);
}

class QueueState implements Served {
  readonly #maxsize: number;
  readonly #items: Uint8Array[] = [];
  readonly #getters = new Waits<Uint8Array>();
  readonly #putters = new Waits<true>();
  readonly #joiners = new Waits<boolean>();
  #unfinished = 0;
  #closed = false;

  constructor(maxsize: number) {
    this.#maxsize = maxsize;
  }

  call(session: Session, op: string, args: unknown[], onCancel: OnCancel): unknown {
    switch (op) {
      case 'put':
        return this.#put(session, args[0] as Uint8Array, args[1], onCancel);
      case 'get':
        return this.#get(session, args[0], onCancel);
      case 'qsize':
        return this.#items.length;
      case 'closed':
        return this.#closed;
      case 'close':
        this.#closed = true;
        for (const getter of [...this.#getters.list]) getter.grant(CLOSED);
        for (const putter of [...this.#putters.list]) putter.grant(true);
        return undefined;
      case 'taskDone':
        if (this.#unfinished <= 0) throw new TaskDoneError('taskDone() called more times than items were put.');
        if (--this.#unfinished === 0) while (this.#joiners.grantFirst(true));
        return undefined;
      case 'join':
        if (this.#unfinished === 0) return true;
        if (args[0] === 0) return false;
        return this.#joiners.add(session, args[0], onCancel, (resolve) => resolve(false));
      default:
        throw new TypeError(`unknown operation ${op}`);
    }
  }

  #full(): boolean {
    return this.#maxsize > 0 && this.#items.length >= this.#maxsize;
  }

  #put(session: Session, item: Uint8Array, timeoutMs: unknown, onCancel: OnCancel): unknown {
    if (this.#closed) throw closedError('no more items can be put on it');
    if (!this.#full() && this.#putters.list.length === 0) return this.#enter(item);
    if (timeoutMs === 0) throw new QueueFullError('The queue is full.');
    return this.#putters
      .add(session, timeoutMs, onCancel, (_, reject) => reject(new QueueFullError(`The queue stayed full for ${String(timeoutMs)} ms.`)))
      .then(() => {
        if (this.#closed) throw closedError('no more items can be put on it');
        return this.#enter(item);
      });
  }

  #enter(item: Uint8Array): undefined {
    this.#unfinished++;
    if (!this.#getters.grantFirst(item)) this.#items.push(item);
    return undefined;
  }

  #get(session: Session, timeoutMs: unknown, onCancel: OnCancel): unknown {
    const item = this.#items.shift();
    if (item !== undefined) {
      this.#putters.grantFirst(true);
      return item;
    }
    if (this.#closed) throw closedError('and is empty');
    if (timeoutMs === 0) throw new QueueEmptyError('The queue is empty.');
    return this.#getters
      .add(session, timeoutMs, onCancel, (_, reject) => reject(new QueueEmptyError(`No item arrived within ${String(timeoutMs)} ms.`)))
      .then((item) => {
        if (item === CLOSED) throw closedError('and is empty');
        return item;
      });
  }
}

class ConditionState implements Served {
  readonly #lock: LockState;
  readonly #waits = new Waits<boolean>();

  constructor(lock: LockState) {
    this.#lock = lock;
  }

  call(session: Session, op: string, args: unknown[], onCancel: OnCancel): unknown {
    switch (op) {
      case 'wait':
        return this.#wait(session, args[0], onCancel);
      case 'notify': {
        if (!this.#lock.ownedBy(session))
          throw new NotOwnerError(`Cannot notify: the Condition's lock is not held by process ${session.pid}.`, null);
        let n = args[0] as number;
        while (n-- > 0 && this.#waits.grantFirst(true));
        return undefined;
      }
      default:
        throw new TypeError(`unknown operation ${op}`);
    }
  }

  async #wait(session: Session, timeoutMs: unknown, onCancel: OnCancel): Promise<boolean> {
    const depth = this.#lock.releaseAll(session, 'wait');
    // A withdrawn wait (the process gone, or its signal aborted) rejects here and takes nothing back.
    const notified = await this.#waits.add(session, timeoutMs, onCancel, (resolve) => resolve(false));
    await this.#lock.reacquire(session, depth, onCancel);
    return notified;
  }
}

/** The state machine for `spec`; `lookup` finds another served object (a Condition's lock). */
export function makeObject(spec: ObjectSpec, lookup: (spec: ObjectSpec) => Served): Served {
  const [first] = spec.params;
  switch (spec.kind) {
    case 'Condition': {
      const lock = lookup(first as ObjectSpec);
      if (!(lock instanceof LockState)) throw new TypeError('A Condition needs a Lock or an RLock.');
      return new ConditionState(lock);
    }
    case 'Lock':
    case 'RLock':
      return new LockState(spec.kind === 'RLock');
    case 'Semaphore':
    case 'BoundedSemaphore':
      return new SemaphoreState(first as number, spec.kind === 'BoundedSemaphore');
    case 'Event':
      return new EventState();
    case 'Barrier':
      return new BarrierState(spec.id, first as number);
    case 'Value':
      return new ValueState(spec.id, spec.params[1]);
    default:
      return new QueueState((first as number | undefined) ?? 0);
  }
}
