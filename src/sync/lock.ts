// Lock and RLock: process-shared mutexes (Python's multiprocessing.Lock / RLock) over the lock
// word of mutex.ts. Ownership is per process: any code of the holding process may release.
import { kReduce, registerRebuilder, type HandleDescriptor, type ReceivedHandle } from '../reduction.ts';
import { portableInstance, portableMode } from '../portable/index.ts';
import { brand } from '../symbols.ts';
import { NotOwnerError } from './errors.ts';
import { deadlineOf, type WaitOptions } from './futex.ts';
import { acquireAsync, LockBase, MutexCore } from './mutex.ts';
import { createSegment, keepSegment, openSegment, type Segment } from './segment.ts';

const BYTES = 64;

/**
 * A non-recursive lock shared between processes.
 * @throws {NotOwnerError} from release() by a process that does not hold it.
 * @throws {OwnerDiedError} from acquire() when the holder died holding it (the lock is yours, its data may be half-written).
 * @example
 * export function f(lock: Lock, i: number) {
 *   using _held = lock.holdSync(); // released at the end of the scope
 *   console.log('hello world', i);
 * }
 * const lock = new Lock();
 * for (let i = 0; i < 5; i++) new Process({ target: f, args: [lock, i] }).start();
 */
export class Lock extends LockBase {
  /** @internal */
  readonly core!: MutexCore; // ! : a portable instance (no addon) is returned instead of this one
  readonly kind: string = 'Lock';
  readonly #segment!: Segment; // ! : a portable instance (no addon) is returned instead of this one

  constructor(segment?: Segment) {
    super();
    if (segment === undefined && portableMode()) return portableInstance(new.target, []); // without the addon: src/portable/
    this.#segment = keepSegment(this, segment ?? createSegment(BYTES, 'Lock'));
    this.core = new MutexCore(this.#segment.i32, 'Lock');
  }

  acquire(options?: WaitOptions): Promise<boolean> {
    return acquireAsync(this.core, options);
  }

  acquireSync(options?: { timeoutMs?: number | undefined }): boolean {
    return this.core.acquireSync(deadlineOf(options));
  }

  release(): void {
    this.core.release();
  }

  /** @internal */
  releaseAll(): number {
    this.core.release();
    return 1;
  }

  /** @internal */
  restore(): void {
    // nothing to restore: a Lock has no depth
  }

  /** @internal */
  [kReduce](): HandleDescriptor {
    return { kind: 'multiproc.Lock', data: this.#segment.i32.byteOffset, fds: [this.#segment.fd] };
  }

  override toString(): string {
    const owner = this.core.owner();
    return `<Lock(owner=${owner === null ? 'None' : String(owner)})>`;
  }
}
brand(Lock, 'Lock');

/** A recursive lock shared between processes: the holding process may acquire it again; it is free after as many releases. */
export class RLock extends LockBase {
  /** @internal */
  readonly core!: MutexCore; // ! : a portable instance (no addon) is returned instead of this one
  readonly kind: string = 'RLock';
  readonly #segment!: Segment; // ! : a portable instance (no addon) is returned instead of this one

  constructor(segment?: Segment) {
    super();
    if (segment === undefined && portableMode()) return portableInstance(new.target, []); // without the addon: src/portable/
    this.#segment = keepSegment(this, segment ?? createSegment(BYTES, 'RLock'));
    this.core = new MutexCore(this.#segment.i32, 'RLock');
  }

  /** How many times the holding process acquired it (0 when free). */
  get depth(): number {
    return this.core.owner() === null ? 0 : Atomics.load(this.core.i32, 1);
  }

  async acquire(options?: WaitOptions): Promise<boolean> {
    if (this.#reenter()) return true;
    const ok = await acquireAsync(this.core, options).catch((error: unknown) => {
      Atomics.store(this.core.i32, 1, 1); // OwnerDiedError: the lock is ours now, at depth 1
      throw error;
    });
    if (ok) Atomics.store(this.core.i32, 1, 1);
    return ok;
  }

  acquireSync(options?: { timeoutMs?: number | undefined }): boolean {
    if (this.#reenter()) return true;
    let ok: boolean;
    try {
      ok = this.core.acquireSync(deadlineOf(options));
    } catch (error) {
      if (this.core.owner() === process.pid) Atomics.store(this.core.i32, 1, 1);
      throw error;
    }
    if (ok) Atomics.store(this.core.i32, 1, 1);
    return ok;
  }

  #reenter(): boolean {
    if (this.core.owner() !== process.pid) return false;
    Atomics.add(this.core.i32, 1, 1);
    return true;
  }

  release(): void {
    const owner = this.core.owner();
    if (owner !== process.pid) {
      throw new NotOwnerError(
        owner === null
          ? 'Cannot release an un-acquired RLock.'
          : `Cannot release this RLock: it is held by process ${owner}, not by this process (${process.pid}).`,
        owner,
      );
    }
    if (Atomics.sub(this.core.i32, 1, 1) === 1) this.core.unlock();
  }

  /** @internal */
  releaseAll(): number {
    if (this.core.owner() !== process.pid) throw new NotOwnerError('Cannot release an un-acquired RLock.', this.core.owner());
    const depth = Atomics.exchange(this.core.i32, 1, 0);
    this.core.unlock();
    return depth;
  }

  /** @internal */
  restore(depth: number): void {
    Atomics.store(this.core.i32, 1, depth);
  }

  /** @internal */
  [kReduce](): HandleDescriptor {
    return { kind: 'multiproc.RLock', data: this.#segment.i32.byteOffset, fds: [this.#segment.fd] };
  }

  override toString(): string {
    const owner = this.core.owner();
    return `<RLock(${owner === null ? 'None' : String(owner)}, ${this.depth})>`;
  }
}
brand(RLock, 'RLock');

registerRebuilder('multiproc.Lock', (handle: ReceivedHandle) => new Lock(openAt(handle, 'Lock')));
registerRebuilder('multiproc.RLock', (handle: ReceivedHandle) => new RLock(openAt(handle, 'RLock')));

// A lock's words may sit inside a larger segment (a Value's lock): `data` is their byte offset.
function openAt(handle: ReceivedHandle, what: string): Segment {
  const segment = openSegment(handle.fds[0], what);
  const byteOffset = typeof handle.data === 'number' ? handle.data : 0;
  return byteOffset === 0 ? segment : { ...segment, i32: new Int32Array(segment.sab, byteOffset, BYTES / 4) };
}
