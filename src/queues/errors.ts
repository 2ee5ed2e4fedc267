// Typed errors of the queues.
import { ProcessError, ProcessStateError } from '../errors.ts';

/** get() with a timeout, or getNowait(), found no item (Python's queue.Empty). */
export class QueueEmptyError extends ProcessError {
  override name = 'QueueEmptyError';
}

/** put() with a timeout, or putNowait(), found the queue full (Python's queue.Full). */
export class QueueFullError extends ProcessError {
  override name = 'QueueFullError';
}

/** The queue was closed in this process (close()); it can no longer be used here. */
export class QueueClosedError extends ProcessStateError {
  override name = 'QueueClosedError';
}

/** An item is larger than the queue's buffer (`capacityBytes`); it can never fit. */
export class QueueItemTooLargeError extends ProcessError {
  override name = 'QueueItemTooLargeError';
}

/** taskDone() called more times than items were put (Python's ValueError). */
export class TaskDoneError extends ProcessStateError {
  override name = 'TaskDoneError';
}
