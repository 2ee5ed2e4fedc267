// The error hierarchy: every multiproc failure is a ProcessError subclass with useful fields,
// the underlying error as `cause`, and a message that says what to do.

/** Fields any multiproc error may carry. */
export interface ProcessErrorOptions {
  cause?: unknown;
  pid?: number;
  exitCode?: number | null;
  signal?: string | null;
  startMethod?: string;
}

/**
 * Base class of every error multiproc throws on purpose. A field is an own property only when
 * it was given (`null` included), so `util.inspect` shows what is known, not a row of undefined.
 */
export class ProcessError extends Error {
  override name = 'ProcessError';
  declare readonly pid: number | undefined;
  declare readonly exitCode: number | null | undefined;
  declare readonly signal: string | null | undefined;
  declare readonly startMethod: string | undefined;

  constructor(message: string, options: ProcessErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    for (const key of ['pid', 'exitCode', 'signal', 'startMethod'] as const) {
      if (options[key] !== undefined)
        Object.defineProperty(this, key, { value: options[key], enumerable: true, writable: true, configurable: true });
    }
  }
}

/** A wait (join, acquire, get …) ran out of time where running out of time is an error. */
export class TimeoutError extends ProcessError {
  override name = 'TimeoutError';
}

/** A Pool worker ended while it held tasks. */
export class WorkerLostError extends ProcessError {
  override name = 'WorkerLostError';
}

/** A value could not be sent to another process; `path` names it (`args[1].cb`). */
export class SerializationError extends ProcessError {
  override name = 'SerializationError';
  readonly path: string;
  constructor(path: string, message: string, options: ProcessErrorOptions = {}) {
    super(message, options);
    this.path = path;
  }
}

/** A start method cannot be used here; the message names the one to use instead. */
export class StartMethodError extends ProcessError {
  override name = 'StartMethodError';
}

/** A child could not prepare itself (target not found, start() reached while importing …). */
export class BootstrapError extends ProcessError {
  override name = 'BootstrapError';
}

/** An operation is not valid in the object's current state (start twice, join before start …). */
export class ProcessStateError extends ProcessError {
  override name = 'ProcessStateError';
}

/** The native addon is not loaded (not built, or not Linux); the message says what was tried. */
export class NativeUnavailableError extends ProcessError {
  override name = 'NativeUnavailableError';
}

/** Redis (the cluster Pool's queue) could not be reached, or was lost for too long; `url` names it. */
export class RedisConnectionError extends ProcessError {
  override name = 'RedisConnectionError';
}
