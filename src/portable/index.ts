// The portable path's entry for the shareable classes: `new Queue()`, `new Lock()` … call
// portableInstance() when the addon is unavailable (see each constructor), which makes a served
// object (server.ts) and gives it the class's prototype (adopt.ts). Pipe() has its own (pipe.ts);
// Barrier and Value theirs (a function or a lock object is not a parameter that crosses the wire).
import { loadNative } from '../native/binding.ts';
import { JoinableQueue, Queue, SimpleQueue } from '../queues/queue.ts';
import { Value } from '../shared-memory/value.ts';
import { Barrier } from '../sync/barrier.ts';
import { Condition } from '../sync/condition.ts';
import { Event } from '../sync/event.ts';
import { Lock, RLock } from '../sync/lock.ts';
import { BoundedSemaphore, Semaphore } from '../sync/semaphore.ts';
import { adopt, newHandle, registerPortable } from './adopt.ts';
import type { ObjectHandle } from './client.ts';
import { PortableQueue } from './queue.ts';
import { kHandle } from './adopt.ts';
import { PortableCondition, PortableEvent, PortableLock, PortableSemaphore } from './sync.ts';
import { PortableBarrier } from './barrier.ts';
import { PortableValue } from './value.ts';

type Class = abstract new (...args: never[]) => object;

// Getters: these modules import this one (their constructors call portableInstance).
const known: [string, new (handle: ObjectHandle) => object, () => Class][] = [
  ['JoinableQueue', PortableQueue, () => JoinableQueue],
  ['SimpleQueue', PortableQueue, () => SimpleQueue],
  ['Queue', PortableQueue, () => Queue],
  ['RLock', PortableLock, () => RLock],
  ['Lock', PortableLock, () => Lock],
  ['BoundedSemaphore', PortableSemaphore, () => BoundedSemaphore],
  ['Semaphore', PortableSemaphore, () => Semaphore],
  ['Event', PortableEvent, () => Event],
  ['Condition', PortableCondition, () => Condition],
  ['Barrier', PortableBarrier, () => Barrier], // made by portableBarrier() (barrier.ts)
  ['Value', PortableValue, () => Value], // made by portableValue() (value.ts)
];
for (const [what, portable, target] of known) registerPortable(what, portable, target);

/** Whether the shareable classes take the portable path (the addon is unavailable). */
export function portableMode(): boolean {
  return loadNative() === null;
}

export { portableBarrier } from './barrier.ts';
export { portableValue } from './value.ts';

/** A portable instance of `target` (a library class or a subclass of one), made with `params`. */
export function portableInstance<T extends object>(target: Class, params: unknown[]): T {
  const entry = known.find(([, , base]) => target === base() || target.prototype instanceof base());
  if (entry === undefined) throw new TypeError(`${target.name} has no portable form.`);
  const [what, portable] = entry;
  return adopt(new portable(newHandle(what, params)), portable, target) as T;
}

/** A portable Condition over `lock` (a portable Lock or RLock made in this process; default: a new RLock). */
export function portableCondition<T extends object>(target: Class, lock: object | undefined): T {
  const handle = ((lock ?? new RLock()) as { [kHandle]?: ObjectHandle })[kHandle];
  if (handle === undefined || handle.pid !== process.pid) {
    throw new TypeError(
      'Without the native addon a Condition must be made in the process that made its lock (both are served from there).',
    );
  }
  return portableInstance(target, [handle.spec, handle]);
}
