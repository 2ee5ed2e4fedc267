// Value without the addon: one number served by the process that created it (server.ts), with the
// API of src/shared-memory/value.ts. `.value` answers at once everywhere: the creator reads the
// served number, another process its copy (replicas.ts), current whenever that process holds
// the Value's lock (served with it, by the same process) and otherwise as of the last push it
// has taken in. Writes store through a one-element typed array of the type, so `.value = 3.7`
// on an 'i32' gives 3 and 300 on a 'u8' gives 44, as in shared memory.
import { NativeUnavailableError, ProcessStateError } from '../errors.ts';
import { nativeUnavailableReason } from '../native/binding.ts';
import { RLock } from '../sync/lock.ts';
import type { LockObject, SharedLock } from '../shared-memory/synchronized.ts';
import { constructorOf, type ElementType } from '../shared-memory/types.ts';
import { adopt, kHandle, kReduce, newHandle, rebuildPortable, reduceHandle } from './adopt.ts';
import { callLocalSync, type ObjectHandle } from './client.ts';
import { fireAndForget } from './sync.ts';
import { replicaOf, type Replica } from './replicas.ts';

type Class = abstract new (...args: never[]) => object;

/** A Value's handle: the served number's, its lock's (or whether it has one), and its value when sent. */
interface ValueHandle extends ObjectHandle {
  lock?: ObjectHandle | false;
  value?: unknown;
}

/** A portable Value (adopts Value.prototype). */
export class PortableValue {
  readonly #handle: ValueHandle;
  readonly #type: ElementType;
  readonly #cell: { [index: number]: unknown }; // one element of the type: stores convert as shared memory does
  readonly #replica: Replica | null; // null in the serving process
  #lock: SharedLock | null = null;

  /** `lock`: in the creating process, the lock object it was given (getLock() returns that very object). */
  constructor(handle: ValueHandle, lock?: SharedLock) {
    this.#handle = handle;
    this.#lock = lock ?? null;
    this.#type = handle.spec.params[0] as ElementType;
    const Ctor = constructorOf(this.#type);
    this.#cell = new Ctor(new SharedArrayBuffer(Ctor.BYTES_PER_ELEMENT), 0, 1);
    this.#replica = handle.pid === process.pid ? null : replicaOf(handle, handle.value);
  }

  /** The value (see the file comment for what another process sees). */
  get value(): unknown {
    return this.#replica === null ? callLocalSync(this.#handle, 'get', []) : this.#replica.value;
  }

  set value(value: unknown) {
    this.#cell[0] = value; // a bigint for a number type (or the reverse) throws the TypeError shared memory throws
    const stored = this.#cell[0];
    this.#replica?.wrote(stored);
    fireAndForget(this.#handle, 'set', [stored]);
  }

  get type(): ElementType {
    return this.#type;
  }

  getLock(): SharedLock {
    const { lock } = this.#handle;
    if (lock === undefined || lock === false) throw new ProcessStateError('This Value was created with { lock: false }: it has no lock.');
    this.#lock ??= rebuildPortable(lock) as SharedLock;
    return this.#lock;
  }

  getObj(): never {
    throw new NativeUnavailableError(
      "Value.getObj() gives the shared memory itself, which needs multiproc's native addon; " +
        `it is unavailable: ${nativeUnavailableReason() ?? 'unknown reason'}. ` +
        'Without it a Value is served by the process that created it: use .value (under getLock() for a read-modify-write), ' +
        'or install the addon (Linux: npm rebuild multiproc, with python3, make and a C++ compiler).',
    );
  }

  [kReduce]() {
    return reduceHandle({ ...this.#handle, value: this.value });
  }

  toString(): string {
    return `Value('${this.#type}', ${String(this.value)})`;
  }
}

/** A new portable Value of `type` holding `initial` (checked by the caller), guarded as `lock` says. */
export function portableValue<T extends object>(target: Class, type: ElementType, initial: unknown, lock: boolean | LockObject): T {
  const lockObject = lock === true ? new RLock() : lock === false ? undefined : lock;
  let lockHandle: ObjectHandle | false = false;
  if (lockObject !== undefined) {
    const handle = (lockObject as { [kHandle]?: ObjectHandle })[kHandle];
    if (handle === undefined || handle.pid !== process.pid)
      throw new TypeError(
        'Without the native addon a Value given a `lock` must be made in the process that made that lock ' +
          '(both are served from there, so the lock orders its writes).',
      );
    lockHandle = handle;
  }
  const Ctor = constructorOf(type);
  const cell = new Ctor(new SharedArrayBuffer(Ctor.BYTES_PER_ELEMENT), 0, 1) as { [index: number]: unknown };
  cell[0] = initial;
  const handle: ValueHandle = { ...newHandle('Value', [type, cell[0]]), lock: lockHandle, value: cell[0] };
  return adopt(new PortableValue(handle, lockObject), PortableValue, target) as T;
}
