// An error raised in the manager's process, rebuilt in the caller as the same class when it is
// one of multiproc's (QueueEmptyError, NotOwnerError, BrokenBarrierError …) or a built-in one,
// with its message and fields, and the manager's stack under the caller's.
import type { WireError } from '../pool/messages.ts';
import { fromWireError } from '../pool/remote-error.ts';
import { ProcessError, TimeoutError } from '../errors.ts';
import { QueueEmptyError, QueueFullError, TaskDoneError } from '../queues/errors.ts';
import { BrokenBarrierError, NotOwnerError, OwnerDiedError, TooManyReleasesError } from '../sync/errors.ts';
import { ManagerClosedError, ManagerError, ManagerProtocolError, NotExposedError, SharedObjectGoneError } from './errors.ts';

const CLASSES: Record<string, { prototype: Error }> = {
  ProcessError,
  TimeoutError,
  QueueEmptyError,
  QueueFullError,
  TaskDoneError,
  NotOwnerError,
  OwnerDiedError,
  TooManyReleasesError,
  BrokenBarrierError,
  ManagerError,
  ManagerClosedError,
  ManagerProtocolError,
  NotExposedError,
  SharedObjectGoneError,
};

/** The error a manager's reply carries, as the caller throws it. */
export function rebuildRemoteError(wire: WireError): Error {
  const Class = CLASSES[wire.name];
  let error: Error;
  if (Class === undefined) error = fromWireError({ ...wire, stack: undefined });
  else {
    error = Object.create(Class.prototype) as Error;
    Object.defineProperty(error, 'message', { value: wire.message, writable: true, configurable: true, enumerable: false });
    Object.defineProperty(error, 'name', { value: wire.name, writable: true, configurable: true, enumerable: false });
    for (const [key, value] of Object.entries(wire.props)) (error as unknown as Record<string, unknown>)[key] = value;
    if (wire.cause !== undefined)
      Object.defineProperty(error, 'cause', {
        value: rebuildRemoteError(wire.cause),
        writable: true,
        configurable: true,
        enumerable: false,
      });
  }
  const here = new Error().stack?.split('\n').slice(1).join('\n') ?? '';
  error.stack = `${wire.stack ?? `${wire.name}: ${wire.message}`}\n    --- raised in the manager's process; called from ---\n${here}`;
  return error;
}
