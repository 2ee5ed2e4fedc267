// Synchronization primitives shared between processes. Re-exports only (importing this module
// registers their rebuilders for children).
export { Lock, RLock } from './lock.ts';
export type { Held } from './mutex.ts';
export type { WaitOptions } from './futex.ts';
export { NotOwnerError, TooManyReleasesError, OwnerDiedError, BrokenBarrierError } from './errors.ts';
export { Semaphore, BoundedSemaphore } from './semaphore.ts';
export { Event } from './event.ts';
export { Condition } from './condition.ts';
export { Barrier, type BarrierOptions } from './barrier.ts';
