// A task's error crossing back to the parent: rebuilt as the same built-in type with its
// message and own fields, and the child's stack (the parent's call site is appended).
import { serialize } from 'node:v8';
import { ProcessError, SerializationError, TimeoutError, WorkerLostError } from '../errors.ts';
import type { WireError } from './messages.ts';

const BUILTINS: Record<string, new (message?: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** In the worker: an error (or any thrown value) as plain data. */
export function toWireError(error: unknown, depth = 0): WireError {
  if (!(error instanceof Error)) {
    return {
      name: 'Error',
      message: `A non-Error value was thrown: ${describeThrown(error)}`,
      stack: undefined,
      props: { value: cloneable(error) ? error : String(error) },
      cause: undefined,
    };
  }
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (key === 'cause' || key === 'stack' || key === 'message' || key === 'name') continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    if (cloneable(value)) props[key] = value;
  }
  const cause = depth < 4 && error.cause !== undefined ? toWireError(error.cause, depth + 1) : undefined;
  return { name: error.name, message: error.message, stack: error.stack, props, cause };
}

/** In the parent: the error to throw, with the child's stack and `where` (the pool call) appended. */
export function fromWireError(wire: WireError, where?: string): Error {
  const Builtin = BUILTINS[wire.name];
  let error: Error;
  if (Builtin !== undefined) error = new Builtin(wire.message);
  else if (wire.name === 'SerializationError')
    error = new SerializationError(typeof wire.props.path === 'string' ? wire.props.path : 'value', wire.message);
  else if (wire.name === 'TimeoutError') error = new TimeoutError(wire.message);
  else if (wire.name === 'WorkerLostError') error = new WorkerLostError(wire.message);
  else if (wire.name === 'ProcessError') error = new ProcessError(wire.message);
  else {
    // A user-defined class: the parent may not have it; keep its name, message and fields.
    error = new Error(wire.message);
    Object.defineProperty(error, 'name', { value: wire.name, writable: true, configurable: true, enumerable: false });
  }
  for (const [key, value] of Object.entries(wire.props)) {
    try {
      (error as unknown as Record<string, unknown>)[key] = value;
    } catch {
      // a read-only field of the rebuilt class (e.g. SerializationError.path): already set
    }
  }
  if (wire.cause !== undefined)
    Object.defineProperty(error, 'cause', { value: fromWireError(wire.cause), writable: true, configurable: true, enumerable: false });
  const childStack = wire.stack ?? `${wire.name}: ${wire.message}`;
  error.stack = where === undefined ? childStack : `${childStack}\n    --- in a pool worker; raised to the parent by ${where} ---`;
  return error;
}

function cloneable(value: unknown): boolean {
  if (typeof value === 'function' || typeof value === 'symbol') return false;
  try {
    serialize(value);
    return true;
  } catch {
    return false;
  }
}

function describeThrown(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
