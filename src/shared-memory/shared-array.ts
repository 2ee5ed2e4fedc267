// SharedArray: a typed array over shared memory with a lock (Python's multiprocessing.Array).
// `.array` is the typed array (use Atomics on it, or hold getLock()); shareable like Value.
import { kReduce, type HandleDescriptor } from '../reduction.ts';
import { LOCK_BYTES } from './lock.ts';
import { sharedTypedArray, type LengthOrValues } from './raw-array.ts';
import {
  checkLockOption,
  describeSynchronized,
  lockOf,
  registerSynchronized,
  takeReceived,
  type LockObject,
  type SharedLock,
  type SynchronizedOptions,
} from './synchronized.ts';
import { elementType, type ElementType, type SharedTypedArray, type TypedArrayOf, type TypeSpec } from './types.ts';

/** A shared typed array with a lock: `new SharedArray('f64', 1000)`, `.array`, `getLock()`. */
export class SharedArray<T extends TypeSpec = TypeSpec> {
  readonly #array: SharedTypedArray;
  readonly #type: ElementType;
  readonly #lockOption: boolean | LockObject; // see SynchronizedOptions
  #lock: SharedLock | null = null;

  constructor(type: T, lengthOrValues: LengthOrValues<T>, options: SynchronizedOptions = {}) {
    this.#type = elementType(type);
    const received = takeReceived();
    if (received !== null) {
      this.#array = received.array;
      this.#lockOption = received.lock;
      return;
    }
    this.#lockOption = checkLockOption(options);
    this.#array = sharedTypedArray(this.#type, lengthOrValues, 'lengthOrValues', this.#lockOption === true ? LOCK_BYTES : 0);
  }

  /** The typed array over the shared memory. */
  get array(): TypedArrayOf<T> {
    return this.#array as TypedArrayOf<T>;
  }

  /** Its number of elements. */
  get length(): number {
    return this.#array.length;
  }

  /** The element type ('i32', 'f64' …). */
  get type(): ElementType {
    return this.#type;
  }

  /** The lock that guards it (Python's get_lock()). */
  getLock(): SharedLock {
    this.#lock ??= lockOf(this.#array, this.#lockOption, 'SharedArray');
    return this.#lock;
  }

  /** The handle a child rebuilds it from (see src/reduction.ts). */
  [kReduce](): HandleDescriptor {
    return describeSynchronized('SharedArray', this.#array, this.#type, this.#lockOption);
  }

  toString(): string {
    return `SharedArray('${this.#type}', length ${this.#array.length})`;
  }
}

registerSynchronized('SharedArray', (type) => new SharedArray(type, 0));
