// The portable object server's messages and how errors cross it. A request names the object (its
// id, and its kind and parameters, so the server makes it on first use), the operation and its
// arguments; a reply carries the request's id and a value or an error. Values are v8-serialized
// (queue items arrive already encoded by the sender, as bytes). A cancel message withdraws a wait.
// A push carries an object's new state to the processes that subscribed to it (Value, Barrier).
import { ProcessError, TimeoutError } from '../errors.ts';
import { QueueClosedError, QueueEmptyError, QueueFullError, TaskDoneError } from '../queues/errors.ts';
import { BrokenBarrierError, NotOwnerError, OwnerDiedError, TooManyReleasesError } from '../sync/errors.ts';

/** What a served object is: the kind of its state machine and its constructor's parameters. */
export interface ObjectSpec {
  id: number;
  kind: string;
  params: unknown[];
}

/** client → server: run `op` on the object; or withdraw request `cancel`. */
export type Request = { req: number; spec: ObjectSpec; op: string; args: unknown[] } | { cancel: number };

/** server → client: a reply; or object `push`'s new state (`echo`: after a write of this process). */
export type Reply =
  | { req: number; ok: true; value: unknown }
  | { req: number; ok: false; error: WireError }
  | { push: number; value: unknown; echo: boolean };

/** An error as it crosses the socket. */
export interface WireError {
  name: string;
  message: string;
  pid?: number | undefined;
}

/** The error as a typed, throwable one in the requesting process. */
export function fromWire(wire: WireError): Error {
  switch (wire.name) {
    case 'NotOwnerError':
      return new NotOwnerError(wire.message, wire.pid ?? null);
    case 'OwnerDiedError':
      return Object.assign(new OwnerDiedError(wire.pid ?? 0, 'lock'), { message: wire.message });
    case 'TooManyReleasesError':
      return new TooManyReleasesError(wire.message);
    case 'BrokenBarrierError':
      return new BrokenBarrierError(wire.message);
    case 'QueueFullError':
      return new QueueFullError(wire.message);
    case 'QueueEmptyError':
      return new QueueEmptyError(wire.message);
    case 'QueueClosedError':
      return new QueueClosedError(wire.message);
    case 'TaskDoneError':
      return new TaskDoneError(wire.message);
    case 'TimeoutError':
      return new TimeoutError(wire.message);
    default:
      return new ProcessError(`${wire.name}: ${wire.message}`);
  }
}

/** An error thrown by a served object, for the wire. */
export function toWire(error: unknown): WireError {
  const e = error instanceof Error ? error : new Error(String(error));
  const pid = (e as { pid?: unknown; ownerPid?: unknown }).ownerPid ?? (e as { pid?: unknown }).pid;
  return { name: e.name, message: e.message, pid: typeof pid === 'number' ? pid : undefined };
}
