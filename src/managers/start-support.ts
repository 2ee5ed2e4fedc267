// Small helpers of starting a manager: how its initializer travels, the default authkey, the
// manager's first word, and ending its process.
import { currentAuthkey } from '../authkey.ts';
import type { Connection } from '../connection/connection.ts';
import type { Process } from '../process.ts';
import { ManagerClosedError } from './errors.ts';
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

/** The manager's first word on its Pipe: its address; ManagerClosedError saying why it could not start. */
export async function awaitReady(conn: Connection, child: Process): Promise<string | [string, number] | null> {
  let message: unknown;
  try {
    message = await conn.recv();
  } catch (error) {
    await child.join(1000);
    throw new ManagerClosedError(`The manager's process ended before it was ready (exit code ${child.exitCode}).`, {
      cause: error,
      ...(child.pid === undefined ? {} : { pid: child.pid }),
      exitCode: child.exitCode,
    });
  }
  const [word, detail] = message as [string, unknown];
  if (word === 'ready') return detail as string | [string, number] | null;
  const error = detail as { name: string; message: string; stack?: string };
  throw new ManagerClosedError(`The manager's process could not start: ${error.name}: ${error.message}`, {
    cause: Object.assign(new Error(error.message), error),
  });
}

/** End the manager's process if it has not ended: SIGTERM, then SIGKILL after `timeoutMs`; resolves once it is reaped. */
export async function endProcess(child: Process, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null) return;
  child.terminate();
  await child.join(timeoutMs);
  if (child.exitCode === null) child.kill();
  await child.join();
}
