// The pool worker's entry (a Process target): run the initializer, then batches of tasks one at
// a time until told to stop, the parent goes away, or `maxTasks` tasks ran (then the parent
// replaces it). Under tracing it times its tasks and its waits for work (see trace.ts).
import { reduceForChild } from '../reduction.ts';
import type { Connection } from '../connection/index.ts';
import { kNeverSpin } from '../connection/connection.ts';
import { resolveFunction } from './functions.ts';
import type { FnSpec, InitFailedMessage, ResultMessage, ResultsMessage, TaskMessage, ToWorker } from './messages.ts';
import { MIN_PACKED, pack, unpack, type Packed } from './packing.ts';
import { toWireError } from './remote-error.ts';
import { monotonicMicros } from './trace.ts';

type AnyFunction = (...args: unknown[]) => unknown;

/** Entry of every pool worker process; `maxTasks` 0 means no limit; `trace`: report times. */
export async function poolWorker(
  conn: Connection,
  initializer: FnSpec | null,
  initargs: unknown[],
  maxTasks: number,
  trace = false,
): Promise<void> {
  const entry = trace ? monotonicMicros() : 0;
  conn[kNeverSpin]();
  if (initializer !== null) {
    try {
      const init = (await resolveFunction(initializer)) as AnyFunction;
      await init(...initargs);
    } catch (error) {
      const message: InitFailedMessage = { t: 'init-failed', error: toWireError(error) };
      // send() throws what cannot be cloned at the call: as a rejection here, to try the plain form.
      await new Promise<void>((resolve) => resolve(conn.send(message)))
        .catch(() => conn.send({ ...message, error: { ...message.error, props: {}, cause: undefined } }))
        .catch(() => undefined);
      conn.close();
      return;
    }
  }
  let done = 0;
  let ready: [number, number] | undefined = trace ? [entry, initializer === null ? entry : monotonicMicros()] : undefined;
  for (;;) {
    let message: ToWorker;
    const waitFrom = trace ? monotonicMicros() : 0;
    try {
      message = await conn.recv<ToWorker>();
    } catch {
      break; // the parent closed its end or ended
    }
    if (message.t === 'stop') break;
    const list: ResultMessage[] = [];
    if (trace) {
      const wait: [number, number] = [waitFrom, monotonicMicros()];
      for (const task of message.tasks) {
        const start = monotonicMicros();
        const result = await runTask(task);
        result.at = [start, monotonicMicros()];
        list.push(result);
      }
      await sendResults(conn, list, ready === undefined ? { wait } : { wait, ready });
      ready = undefined;
    } else {
      for (const task of message.tasks) list.push(await runTask(task));
      await sendResults(conn, list);
    }
    done += message.tasks.length;
    if (maxTasks > 0 && done >= maxTasks) break;
  }
  conn.close();
}

async function runTask(task: TaskMessage): Promise<ResultMessage> {
  let values: Packed;
  try {
    const fn = (await resolveFunction(task.fn)) as AnyFunction;
    values = await runChunk(fn, Array.isArray(task.items) ? task.items : task.items.f64, task.star);
  } catch (error) {
    return { t: 'result', id: task.id, ok: false, error: toWireError(error) };
  }
  return { t: 'result', id: task.id, ok: true, values };
}

/**
 * `fn` over each item of a chunk (`star`: each item is an argument list), in order, a returned
 * thenable awaited before the next item. One pass: while every result is a number they are
 * written straight into the Float64Array that is sent (see packing.ts); the first other result
 * moves the rest to an array: four separate passes (unpack, call loop, number check,
 * Float64Array.from) cost a cold worker nearly twice as much (docs/DECISIONS.md, "Figures
 * behind the Pool's packing").
 */
export function runChunk(fn: AnyFunction, items: ArrayLike<unknown>, star: boolean): Packed | Promise<Packed> {
  const n = items.length;
  if (n < MIN_PACKED) return runGeneric(fn, items, star, [], 0, NONE);
  const numbers = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const value = star ? fn(...(items[i] as unknown[])) : fn(items[i]);
    if (typeof value !== 'number') return runGeneric(fn, items, star, Array.from(numbers.subarray(0, i)), i, value);
    numbers[i] = value;
  }
  return { f64: numbers };
}

const NONE = Symbol('none');

// The general case: `values` holds the results before `from`; `first` is item `from`'s result, if computed.
async function runGeneric(
  fn: AnyFunction,
  items: ArrayLike<unknown>,
  star: boolean,
  values: unknown[],
  from: number,
  first: unknown,
): Promise<Packed> {
  for (let i = from; i < items.length; i++) {
    let value = i === from && first !== NONE ? first : star ? fn(...(items[i] as unknown[])) : fn(items[i]);
    if (value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function')
      value = await Promise.resolve(value);
    values.push(value);
  }
  return pack(values);
}

// Send a batch's results; a result that cannot be serialized is replaced by a SerializationError naming it.
async function sendResults(conn: Connection, list: ResultMessage[], trace?: ResultsMessage['trace']): Promise<void> {
  try {
    await conn.send(trace === undefined ? { t: 'results', list } : { t: 'results', list, trace });
    return;
  } catch {
    // find the culprits below
  }
  const message: ResultsMessage = { t: 'results', list: list.map(sendable) };
  if (trace !== undefined) message.trace = trace;
  await new Promise<void>((resolve) => resolve(conn.send(message))).catch(() => undefined);
}

function sendable(result: ResultMessage): ResultMessage {
  try {
    sendCheck(result);
    return result;
  } catch (error) {
    if (!result.ok) {
      return {
        ...result,
        error: {
          name: 'Error',
          message: `The worker's error could not be sent back: ${(error as Error).message}`,
          stack: result.error.stack,
          props: {},
          cause: undefined,
        },
      };
    }
    const values = unpack(result.values);
    let index = 0;
    for (; index < values.length; index++) {
      try {
        sendCheck(values[index]);
      } catch (cause) {
        error = cause;
        break;
      }
    }
    return {
      t: 'result',
      id: result.id,
      ok: false,
      ...(result.at === undefined ? {} : { at: result.at }),
      error: {
        name: 'SerializationError',
        message: `The result of item ${index} of the task cannot be sent back to the parent: ${(error as Error).message}`,
        stack: undefined,
        props: { path: `result[${index}]` },
        cause: undefined,
      },
    };
  }
}

// Throws what sending `value` over the Connection would (a function, a local class instance …).
function sendCheck(value: unknown): void {
  reduceForChild({ value }, 'the parent process');
}
