// Lock, RLock, Semaphore, BoundedSemaphore and Event without the addon: served by the process that
// created them (server.ts), with the API and errors of src/sync. Waits are asynchronous only
// (acquire, wait); the *Sync forms throw NativeUnavailableError saying so. Ownership is tracked
// here too, so release() answers at once in any process and its request follows on the socket.
import { asError } from '../connection/errors.ts';
import { TimeoutError } from '../errors.ts';
import { normalizeTimeout, rangeError, typeError } from '../options.ts';
import { NotOwnerError } from '../sync/errors.ts';
import type { Held } from '../sync/mutex.ts';
import type { WaitOptions } from '../sync/futex.ts';
import { kHandle, kReduce, rebuildPortable, reduceHandle, remoteQueryRefused, syncRefused } from './adopt.ts';
import { callLocalSync, callObject, type ObjectHandle } from './client.ts';

const owned = new Map<string, number>(); // this process's hold on each lock (its recursion depth)

function keyOf(handle: ObjectHandle): string {
  return `${handle.address}#${handle.spec.id}`;
}

/** `{ timeoutMs, signal }` checked, as the native primitives check them. */
export function waitArgs(options: WaitOptions | undefined): { timeoutMs: number | undefined; signal: AbortSignal | undefined } {
  if (options !== undefined && (typeof options !== 'object' || options === null)) typeError('options', 'an object', options);
  const timeoutMs = normalizeTimeout('timeoutMs', options?.timeoutMs);
  const signal = options?.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) typeError('signal', 'an AbortSignal', signal);
  return { timeoutMs, signal };
}

/** A handle whose disposal releases, for hold(). */
export function heldBy(release: () => void): Held {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    release();
  };
  return { release: once, [Symbol.dispose]: once, [Symbol.asyncDispose]: () => Promise.resolve(once()) };
}

/** Send a request whose answer nobody awaits (it is ordered before this process's later requests). */
export function fireAndForget(handle: ObjectHandle, op: string, args: unknown[]): void {
  if (handle.pid === process.pid) callLocalSync(handle, op, args);
  else void callObject(handle, op, args).catch(() => undefined);
}

/** A portable Lock or RLock (`handle.what`). */
export class PortableLock {
  readonly #handle: ObjectHandle;
  readonly kind: string;

  constructor(handle: ObjectHandle) {
    this.#handle = handle;
    this.kind = handle.what;
  }

  async acquire(options?: WaitOptions): Promise<boolean> {
    const { timeoutMs, signal } = waitArgs(options);
    const key = keyOf(this.#handle);
    try {
      const got = (await callObject(this.#handle, 'acquire', [timeoutMs], signal)) as boolean;
      if (got) owned.set(key, (owned.get(key) ?? 0) + 1);
      return got;
    } catch (error) {
      if ((error as Error).name === 'OwnerDiedError') owned.set(key, 1); // the acquire took it over
      throw error;
    }
  }

  acquireSync(): boolean {
    throw syncRefused(`${this.kind}.acquireSync()`, `await ${this.kind.toLowerCase()}.acquire()`);
  }

  release(): void {
    const key = keyOf(this.#handle);
    const depth = owned.get(key) ?? 0;
    if (depth === 0) {
      if (this.#handle.pid === process.pid) callLocalSync(this.#handle, 'release', []); // throws NotOwnerError with the owner
      throw new NotOwnerError(`Cannot release this ${this.kind}: this process (${process.pid}) does not hold it.`, null);
    }
    if (depth === 1) owned.delete(key);
    else owned.set(key, depth - 1);
    fireAndForget(this.#handle, 'release', []);
  }

  isOwned(): boolean {
    return (owned.get(keyOf(this.#handle)) ?? 0) > 0;
  }

  isLocked(): boolean {
    if (this.isOwned()) return true;
    if (this.#handle.pid !== process.pid)
      throw remoteQueryRefused(`${this.kind}.isLocked()`, this.#handle, 'Use acquire({ timeoutMs: 0 }) to try it');
    return (callLocalSync(this.#handle, 'state', []) as { owner: number | null }).owner !== null;
  }

  /** Internal (Condition): where the lock is served. */
  get [kHandle](): ObjectHandle {
    return this.#handle;
  }

  /** This process's recursion depth (RLock). */
  get depth(): number {
    return owned.get(keyOf(this.#handle)) ?? 0;
  }

  async hold(options?: WaitOptions): Promise<Held> {
    if (!(await this.acquire(options)))
      throw new TimeoutError(`Could not acquire the ${this.kind} within ${String(options?.timeoutMs)} ms.`);
    return heldBy(() => this.release());
  }

  holdSync(): Held {
    throw syncRefused(`${this.kind}.holdSync()`, `await ${this.kind.toLowerCase()}.hold()`);
  }

  [kReduce]() {
    return reduceHandle(this.#handle);
  }

  toString(): string {
    return `<${this.kind}(portable, served by process ${this.#handle.pid})>`;
  }
}

/** A portable Semaphore or BoundedSemaphore. */
export class PortableSemaphore {
  readonly #handle: ObjectHandle;

  constructor(handle: ObjectHandle) {
    this.#handle = handle;
  }

  acquire(options?: WaitOptions): Promise<boolean> {
    try {
      const { timeoutMs, signal } = waitArgs(options);
      return callObject(this.#handle, 'acquire', [timeoutMs], signal) as Promise<boolean>;
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }

  acquireSync(): boolean {
    throw syncRefused(`${this.#handle.what}.acquireSync()`, 'await semaphore.acquire()');
  }

  release(n = 1): void {
    if (typeof n !== 'number') typeError('n', 'a positive integer', n);
    if (!Number.isInteger(n) || n < 1) rangeError('n', 'a positive integer', n);
    fireAndForget(this.#handle, 'release', [n]);
  }

  getValue(): number {
    if (this.#handle.pid !== process.pid)
      throw remoteQueryRefused(`${this.#handle.what}.getValue()`, this.#handle, 'Use acquire({ timeoutMs: 0 }) to try it');
    return callLocalSync(this.#handle, 'getValue', []) as number;
  }

  async hold(options?: WaitOptions): Promise<Held> {
    if (!(await this.acquire(options)))
      throw new TimeoutError(`Could not acquire the ${this.#handle.what} within ${String(options?.timeoutMs)} ms.`);
    return heldBy(() => this.release());
  }

  holdSync(): Held {
    throw syncRefused(`${this.#handle.what}.holdSync()`, 'await semaphore.hold()');
  }

  [kReduce]() {
    return reduceHandle(this.#handle);
  }

  toString(): string {
    return `<${this.#handle.what}(portable, served by process ${this.#handle.pid})>`;
  }
}

/** A portable Event. */
export class PortableEvent {
  readonly #handle: ObjectHandle;

  constructor(handle: ObjectHandle) {
    this.#handle = handle;
  }

  isSet(): boolean {
    if (this.#handle.pid !== process.pid) throw remoteQueryRefused('Event.isSet()', this.#handle, 'Use await event.wait({ timeoutMs: 0 })');
    return callLocalSync(this.#handle, 'isSet', []) as boolean;
  }

  set(): void {
    fireAndForget(this.#handle, 'set', []);
  }

  clear(): void {
    fireAndForget(this.#handle, 'clear', []);
  }

  wait(options?: WaitOptions): Promise<boolean> {
    try {
      const { timeoutMs, signal } = waitArgs(options);
      return callObject(this.#handle, 'wait', [timeoutMs], signal) as Promise<boolean>;
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }

  waitSync(): boolean {
    throw syncRefused('Event.waitSync()', 'await event.wait()');
  }

  [kReduce]() {
    return reduceHandle(this.#handle);
  }

  toString(): string {
    return `<Event(portable, served by process ${this.#handle.pid})>`;
  }
}

/** A portable Condition over a portable Lock or RLock served by the same process. */
export class PortableCondition {
  readonly #handle: ObjectHandle;
  readonly #lock: PortableLock;

  constructor(handle: ObjectHandle) {
    this.#handle = handle;
    this.#lock = rebuildPortable(handle.spec.params[1] as ObjectHandle) as PortableLock;
  }

  get lock(): PortableLock {
    return this.#lock;
  }

  acquire(options?: WaitOptions): Promise<boolean> {
    return this.#lock.acquire(options);
  }

  acquireSync(): boolean {
    throw syncRefused('Condition.acquireSync()', 'await condition.acquire()');
  }

  release(): void {
    this.#lock.release();
  }

  hold(options?: WaitOptions): Promise<Held> {
    return this.#lock.hold(options);
  }

  holdSync(): Held {
    throw syncRefused('Condition.holdSync()', 'await condition.hold()');
  }

  /** Release the lock, wait for notify() (or `timeoutMs`), take the lock again; true if notified. */
  async wait(options?: WaitOptions): Promise<boolean> {
    const { timeoutMs, signal } = waitArgs(options);
    const key = keyOf(this.#lock[kHandle]);
    const depth = owned.get(key) ?? 0;
    if (depth === 0) throw new NotOwnerError("Cannot wait: the Condition's lock is not held by this process.", null);
    owned.delete(key);
    try {
      return (await callObject(this.#handle, 'wait', [timeoutMs], signal)) as boolean;
    } finally {
      owned.set(key, depth); // held again at its depth (the server re-took it before answering)
    }
  }

  waitSync(): boolean {
    throw syncRefused('Condition.waitSync()', 'await condition.wait()');
  }

  /** wait() until `predicate()` is truthy; its last value (falsy after `timeoutMs`). */
  async waitFor<T>(predicate: () => T, options?: WaitOptions): Promise<T> {
    const { timeoutMs, signal } = waitArgs(options);
    const deadline = timeoutMs === undefined ? Infinity : performance.now() + timeoutMs;
    let result = predicate();
    while (!result) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      await this.wait({ timeoutMs: left === Infinity ? undefined : Math.ceil(left), signal });
      result = predicate();
    }
    return result;
  }

  waitForSync<T>(): T {
    throw syncRefused('Condition.waitForSync()', 'await condition.waitFor()');
  }

  notify(n = 1): void {
    if (typeof n !== 'number' || !(n >= 0)) typeError('n', 'a non-negative number', n);
    if (!this.#lock.isOwned()) throw new NotOwnerError("Cannot notify: the Condition's lock is not held by this process.", null);
    fireAndForget(this.#handle, 'notify', [n]);
  }

  notifyAll(): void {
    this.notify(Infinity);
  }

  [kReduce]() {
    return reduceHandle(this.#handle);
  }

  toString(): string {
    return `<Condition(portable, served by process ${this.#handle.pid})>`;
  }
}
