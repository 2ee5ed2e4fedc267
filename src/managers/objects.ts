// The manager's table of shared objects with their reference counts (Python's id_to_obj and
// id_to_refcount). References are held by client connections (each proxy owns one; a client
// that disconnects gives back all it held) and by the manager's own objects: a proxy stored in
// a shared dict is a NestedRef there, which holds its object until it is dropped and collected.
import { SharedObjectGoneError } from './errors.ts';

/** A referent's hook, run when the manager drops it (no reference left): a Pool terminates its workers. */
export const kDropped = Symbol.for('multiproc.manager.dropped');

/** One shared object and how it may be called. */
export interface Entry {
  readonly id: string;
  readonly typeid: string;
  readonly object: unknown;
  readonly exposed: ReadonlySet<string>;
  readonly methodToTypeid: Readonly<Record<string, string>> | null;
  refcount: number;
}

/** A shared object referred to from inside another one (a list stored in a dict). */
export class NestedRef {
  constructor(
    readonly typeid: string,
    readonly id: string,
    /** The object itself (a Condition is given its Lock this way). */
    readonly referent: unknown,
  ) {}
}

/** The shared objects of one manager. */
export class ObjectTable {
  readonly #entries = new Map<string, Entry>();
  // A NestedRef collected by the garbage collector gives its reference back.
  readonly #nested = new FinalizationRegistry<string>((id) => {
    this.nestedLive--;
    this.decref(id);
  });
  #next = 0;
  /** NestedRefs not yet collected. */
  nestedLive = 0;
  /** Changes since the last collection (a reason to collect again). */
  dirty = false;

  /** Add an object with no reference yet (the creating connection takes the first). */
  add(typeid: string, object: unknown, exposed: readonly string[], methodToTypeid: Readonly<Record<string, string>> | null): Entry {
    const id = (++this.#next).toString(16);
    const entry: Entry = { id, typeid, object, exposed: new Set(exposed), methodToTypeid, refcount: 0 };
    this.#entries.set(id, entry);
    return entry;
  }

  /** The entry of `id`; SharedObjectGoneError if it was released. */
  get(id: string, typeid = 'object'): Entry {
    const entry = this.#entries.get(id);
    if (entry === undefined) throw new SharedObjectGoneError(id, typeid);
    return entry;
  }

  incref(id: string, typeid?: string): void {
    this.get(id, typeid).refcount++;
  }

  /** Give back a reference; the object is dropped at zero. */
  decref(id: string): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    if (--entry.refcount <= 0) {
      this.#entries.delete(id);
      (entry.object as Partial<Record<typeof kDropped, () => void>> | null)?.[kDropped]?.();
    }
  }

  /** A reference held by the manager itself (a proxy stored inside a shared object). */
  nested(typeid: string, id: string): NestedRef {
    const entry = this.get(id, typeid);
    entry.refcount++;
    const ref = new NestedRef(entry.typeid, id, entry.object);
    this.#nested.register(ref, id);
    this.nestedLive++;
    return ref;
  }

  /** Number of shared objects (Python's number_of_objects). */
  get size(): number {
    return this.#entries.size;
  }

  /** id, typeid and refcount of each object (Python's debug_info). */
  describe(): { id: string; typeid: string; refcount: number }[] {
    return [...this.#entries.values()].map(({ id, typeid, refcount }) => ({ id, typeid, refcount }));
  }
}
