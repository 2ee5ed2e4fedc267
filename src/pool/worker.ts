// The pool worker's entry (a Process target): run the initializer, then tasks one at a time
// until told to stop, the parent goes away, or `maxTasks` tasks ran (then the parent replaces it).
import type { Connection } from '../connection/index.ts';
import { resolveFunction } from './functions.ts';
import type { FnSpec, FromWorker, TaskMessage, ToWorker } from './messages.ts';
import { pack, unpack } from './packing.ts';
import { toWireError } from './remote-error.ts';
import { serialize } from 'node:v8';

type AnyFunction = (...args: unknown[]) => unknown;

/** Entry of every pool worker process; `maxTasks` 0 means no limit. */
export async function poolWorker(conn: Connection, initializer: FnSpec | null, initargs: unknown[], maxTasks: number): Promise<void> {
  if (initializer !== null) {
    try {
      const init = (await resolveFunction(initializer)) as AnyFunction;
      await init(...initargs);
    } catch (error) {
      await send(conn, { t: 'init-failed', error: toWireError(error) });
      conn.close();
      return;
    }
  }
  let done = 0;
  for (;;) {
    let message: ToWorker;
    try {
      message = await conn.recv<ToWorker>();
    } catch {
      break; // the parent closed its end or ended
    }
    if (message.t === 'stop') break;
    await send(conn, await runTask(message));
    if (maxTasks > 0 && ++done >= maxTasks) break;
  }
  conn.close();
}

async function runTask(task: TaskMessage): Promise<FromWorker> {
  let values: unknown[];
  try {
    const fn = (await resolveFunction(task.fn)) as AnyFunction;
    const items = unpack(task.items);
    values = new Array<unknown>(items.length);
    for (let i = 0; i < items.length; i++) {
      let value = task.star ? fn(...(items[i] as unknown[])) : fn(items[i]);
      if (value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function') value = await Promise.resolve(value);
      values[i] = value;
    }
  } catch (error) {
    return { t: 'result', id: task.id, ok: false, error: toWireError(error) };
  }
  return { t: 'result', id: task.id, ok: true, values: pack(values) };
}

// Send a message; a result that cannot be serialized is replaced by a SerializationError naming it.
async function send(conn: Connection, message: FromWorker): Promise<void> {
  try {
    await conn.send(message);
  } catch (error) {
    if (message.t !== 'result' || !message.ok) {
      await conn.send({ ...message, error: { name: 'Error', message: `The worker's error could not be sent back: ${(error as Error).message}`, stack: undefined, props: {}, cause: undefined } }).catch(() => undefined);
      return;
    }
    const index = unpack(message.values).findIndex((value) => {
      try {
        serialize(value);
        return false;
      } catch {
        return true;
      }
    });
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    const reply: FromWorker = {
      t: 'result',
      id: message.id,
      ok: false,
      error: {
        name: 'SerializationError',
        message: `The result of item ${index} of the task cannot be sent back to the parent: ${cause}`,
        stack: undefined,
        props: { path: `result[${index}]` },
        cause: undefined,
      },
    };
    await conn.send(reply).catch(() => undefined);
  }
}
