// Typed errors of the synchronization primitives and queues.
import { ProcessError, ProcessStateError, type ProcessErrorOptions } from '../errors.ts';

/** release() of a lock this process does not hold (unlocked, or held by another process). */
export class NotOwnerError extends ProcessStateError {
  override name = 'NotOwnerError';
  /** The pid holding the lock, or null when it was not locked. */
  readonly ownerPid: number | null;
  constructor(message: string, ownerPid: number | null, options: ProcessErrorOptions = {}) {
    super(message, options);
    this.ownerPid = ownerPid;
  }
}

/** A BoundedSemaphore released more times than it was acquired (Python's ValueError). */
export class TooManyReleasesError extends ProcessStateError {
  override name = 'TooManyReleasesError';
}

/**
 * The process holding a lock ended without releasing it. Thrown by the acquire that found out:
 * that acquire *did* take the lock (as a robust mutex's EOWNERDEAD), so the caller owns it now,
 * must make the protected state consistent, and release() it as usual.
 */
export class OwnerDiedError extends ProcessError {
  override name = 'OwnerDiedError';
  constructor(deadPid: number, what: string) {
    super(
      `The process ${deadPid} that held this ${what} ended without releasing it. This acquire took the ${what} over: ` +
        `the data it protects may be half-updated; repair it, then release() as usual.`,
      { pid: deadPid },
    );
  }
}

/** A Barrier was reset or aborted while waiting, or is broken (Python's BrokenBarrierError). */
export class BrokenBarrierError extends ProcessError {
  override name = 'BrokenBarrierError';
}
