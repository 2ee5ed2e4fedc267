// Typed errors of managers: the manager is gone (closed, killed, unreachable), a shared object is
// unknown to it, a method is not exposed, and errors raised in the manager's process.
import { ProcessError, type ProcessErrorOptions } from '../errors.ts';

/** Base class of the errors a manager or a proxy throws about itself. */
export class ManagerError extends ProcessError {
  override name = 'ManagerError';
}

/**
 * The manager cannot be reached: it was shut down, its process died, or its address does not
 * answer. Pending calls reject with it instead of hanging; start a manager (or reconnect).
 */
export class ManagerClosedError extends ManagerError {
  override name = 'ManagerClosedError';
  /** The manager's address, when known. */
  readonly address: string | undefined;
  constructor(message: string, options: ProcessErrorOptions & { address?: string } = {}) {
    super(message, options);
    this.address = options.address;
  }
}

/** A proxy names a shared object its manager no longer has (every proxy of it was released). */
export class SharedObjectGoneError extends ManagerError {
  override name = 'SharedObjectGoneError';
  /** The object's id in its manager. */
  readonly objectId: string;
  constructor(objectId: string, typeid: string) {
    super(
      `The manager has no shared ${typeid} with id ${objectId}: it was released when no proxy held it any more. ` +
        `Keep a proxy of it alive (in this process or the one that sent it) while it is in use.`,
    );
    this.objectId = objectId;
  }
}

/** A method that the shared object's type does not expose (Python's AttributeError from the manager). */
export class NotExposedError extends ManagerError {
  override name = 'NotExposedError';
  /** The method that was called. */
  readonly method: string;
  constructor(method: string, typeid: string, exposed: readonly string[]) {
    super(
      `\`${method}\` is not a method exposed by the shared ${typeid} (exposed: ${exposed.join(', ') || 'none'}). Pass \`exposed\` to register() to expose it.`,
    );
    this.method = method;
  }
}

/** The manager's process or a peer broke the protocol (garbage, an unknown request). */
export class ManagerProtocolError extends ManagerError {
  override name = 'ManagerProtocolError';
}
