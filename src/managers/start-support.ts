// Small helpers of starting a manager: how its initializer travels, and the default authkey.
import { currentAuthkey } from '../authkey.ts';
import { typeError } from '../options.ts';
import { registerFunction } from '../pool/functions.ts';
import type { FnSpec } from '../pool/messages.ts';
import { referenceTarget } from '../loading/target.ts';

/** This process's authkey (inherited by children), the default key of a manager (as Python's). */
export function defaultAuthkey(): Uint8Array {
  return currentAuthkey();
}

/** How the manager's process finds `fn`: by id in a forked copy, else by reference (it must be exported). */
export function functionSpec(fn: unknown, fork: boolean): FnSpec | null {
  if (fn === undefined || fn === null) return null;
  if (typeof fn !== 'function') typeError('initializer', 'a function', fn);
  const f = fn as (...args: never[]) => unknown;
  return fork
    ? { kind: 'id', id: registerFunction(f) }
    : { kind: 'ref', ref: referenceTarget(f, 'initializer', "a manager's process (spawn/forkserver)") };
}
