// Queues shared between processes. Re-exports only (importing this module registers their rebuilder).
export { Queue, SimpleQueue, JoinableQueue, type QueueOptions } from './queue.ts';
export { QueueEmptyError, QueueFullError, QueueClosedError, QueueItemTooLargeError, TaskDoneError } from './errors.ts';
