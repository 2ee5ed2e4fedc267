// Value: one number (or bigint) in shared memory, with a lock (Python's multiprocessing.Value).
// `.value` reads and writes the shared element (through Atomics for integer types); `v.value += 1`
// is a read then a write: hold getLock() around it when processes race. Shareable: a child that
// receives it sees the same memory, and its getLock() is the same lock.
import { typeError } from '../options.ts';
import { portableMode, portableValue } from '../portable/index.ts';
import { kReduce, type HandleDescriptor } from '../reduction.ts';
import { LOCK_BYTES } from './lock.ts';
import { sharedTypedArray } from './raw-array.ts';
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
import {
  elementType,
  isBigIntType,
  type ElementOf,
  type ElementType,
  type SharedTypedArray,
  type TypedArrayOf,
  type TypeSpec,
} from './types.ts';

/** One shared number: `.value`, `getLock()`. `new Value('i32', 0)`; 'i64'/'u64' hold bigints. */
export class Value<T extends TypeSpec = TypeSpec> {
  readonly #array!: SharedTypedArray; // ! : a portable instance (no addon) is returned instead of this one
  readonly #type: ElementType;
  readonly #lockOption: boolean | LockObject; // see SynchronizedOptions
  #lock: SharedLock | null = null;

  constructor(type: T, initial?: ElementOf<T>, options: SynchronizedOptions = {}) {
    this.#type = elementType(type);
    const received = takeReceived();
    if (received !== null) {
      this.#array = received.array;
      this.#lockOption = received.lock;
      return;
    }
    this.#lockOption = checkLockOption(options);
    const big = isBigIntType(this.#type);
    const first: unknown = initial ?? (big ? 0n : 0);
    if (typeof first !== (big ? 'bigint' : 'number'))
      typeError('initial', big ? `a bigint (the type is '${this.#type}')` : `a number (the type is '${this.#type}')`, first);
    if (portableMode()) return portableValue(new.target, this.#type, first, this.#lockOption); // without the addon: src/portable/
    this.#array = sharedTypedArray(this.#type, [first], 'initial', this.#lockOption === true ? LOCK_BYTES : 0);
  }

  /** The shared value. */
  get value(): ElementOf<T> {
    const array = this.#array;
    if (array instanceof Float64Array || array instanceof Float32Array) return array[0] as ElementOf<T>;
    return Atomics.load(array as Int32Array, 0) as ElementOf<T>;
  }

  set value(value: ElementOf<T>) {
    const array = this.#array;
    if (array instanceof Float64Array || array instanceof Float32Array) array[0] = value as number;
    else Atomics.store(array as Int32Array, 0, value as number);
  }

  /** The element type ('i32', 'f64' …). */
  get type(): ElementType {
    return this.#type;
  }

  /** The lock that guards this value (Python's get_lock()): an RLock of its own, or the Lock/RLock given as `lock`. */
  getLock(): SharedLock {
    this.#lock ??= lockOf(this.#array, this.#lockOption, 'Value');
    return this.#lock;
  }

  /** The one-element typed array over the shared memory (Python's get_obj()), for Atomics. */
  getObj(): TypedArrayOf<T> {
    return this.#array as TypedArrayOf<T>;
  }

  /** The handle a child rebuilds it from (see src/reduction.ts). */
  [kReduce](): HandleDescriptor {
    return describeSynchronized('Value', this.#array, this.#type, this.#lockOption);
  }

  toString(): string {
    return `Value('${this.#type}', ${String(this.value)})`;
  }
}

registerSynchronized('Value', (type) => new Value(type));
