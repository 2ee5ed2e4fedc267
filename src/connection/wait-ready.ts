// wait(): Python's multiprocessing.connection.wait — which of these Connections have something
// to receive (or reached EOF), which of these Listeners have a connection waiting, and which of
// these Processes have ended. waitReady is the same function under the library's earlier name.
import { checkAbortSignal, untilAborted, type AbortableOptions } from '../abortable.ts';
import { ProcessStateError } from '../errors.ts';
import { normalizeTimeout, typeError } from '../options.ts';
import type { Process } from '../process.ts';
import { hasBrand } from '../symbols.ts';
import { type Connection, kWhenReady } from './connection.ts';
import { kAcceptor, type Listener } from './listener.ts';

/** What wait() watches: Connections (ready to recv), Listeners (a connection waits), Processes (ended). */
export type Waitable = Connection | Listener | Process;

// A Process is watched with join() in slices, so a join left behind by a finished wait ends soon.
const JOIN_SLICE_MS = 1000;

/**
 * Resolves with those of `objects` that are ready, in their order: a Connection with data (or
 * whose other end closed), a Listener with a connection waiting (or closed), a Process that
 * ended. Waits until one is, or `timeoutMs` (then `[]`): a number, as Python's wait(timeout), or
 * in the options. Rejects with the signal's reason when `signal` aborts first.
 */
export async function wait<T extends Waitable>(objects: Iterable<T>, timeoutOrOptions?: number | AbortableOptions): Promise<T[]> {
  const list = [...checkObjects(objects)];
  const options: AbortableOptions =
    typeof timeoutOrOptions === 'object' && timeoutOrOptions !== null ? timeoutOrOptions : { timeoutMs: timeoutOrOptions };
  const timeout = normalizeTimeout('timeoutMs', options.timeoutMs);
  const signal = checkAbortSignal(options.signal);
  signal?.throwIfAborted();
  const ready = readyNow(list);
  if (ready.length > 0 || timeout === 0 || list.length === 0) {
    if (list.length === 0 && timeout === undefined) throw new RangeError('wait() was given nothing to wait for: it would wait forever.');
    return ready;
  }
  const controller = new AbortController();
  const deadline = timeout === undefined ? undefined : Date.now() + timeout;
  const watches = list.map((object) => watch(object, controller.signal, deadline));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    if (timeout !== undefined) timer = setTimeout(resolve, timeout);
  });
  try {
    await untilAborted(Promise.race([timedOut, ...watches.map((one) => one.catch(() => undefined))]), signal);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return readyNow(list);
}

/** The library's earlier name of wait(). */
export const waitReady = wait;

function checkObjects<T>(objects: Iterable<T>): Iterable<T> {
  if (objects === null || typeof objects !== 'object' || typeof (objects as Partial<Iterable<T>>)[Symbol.iterator] !== 'function') {
    typeError('objects', 'an iterable of Connections, Listeners and Processes', objects);
  }
  for (const object of objects) {
    if (!isConnection(object) && !hasBrand(object, 'Process') && !isListener(object))
      typeError('objects[…]', 'a Connection, a Listener or a Process', object);
    if (hasBrand(object, 'Process') && (object as Process).pid === undefined)
      throw new ProcessStateError(`wait() was given ${(object as Process).name}, which was not started.`);
  }
  return objects;
}

function readyNow<T extends Waitable>(list: T[]): T[] {
  return list.filter((object) => {
    if (isConnection(object)) return object.pollSync();
    if (isListener(object)) return object[kAcceptor].pendingNow();
    return object.exitCode !== null;
  });
}

function watch(object: Waitable, signal: AbortSignal, deadline: number | undefined): Promise<unknown> {
  if (isConnection(object)) return object[kWhenReady](signal);
  if (isListener(object)) return whenPending(object, signal);
  return whenEnded(object, signal, deadline);
}

function whenPending(listener: Listener, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const cancel = listener[kAcceptor].whenPending(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    const onAbort = () => {
      cancel();
      resolve();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function whenEnded(process: Process, signal: AbortSignal, deadline: number | undefined): Promise<void> {
  while (!signal.aborted && process.exitCode === null) {
    const left = deadline === undefined ? JOIN_SLICE_MS : Math.min(JOIN_SLICE_MS, deadline - Date.now());
    if (left <= 0) return;
    await process.join(left);
  }
}

// By brand, not instanceof: a Connection made by another copy of the library is one too.
function isConnection(object: unknown): object is Connection {
  return hasBrand(object, 'Connection');
}

function isListener(object: unknown): object is Listener {
  return hasBrand(object, 'Listener');
}
