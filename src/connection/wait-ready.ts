// wait(): Python's multiprocessing.connection.wait — which of these Connections have something
// to receive (or reached EOF), which of these Listeners have a connection waiting, and which of
// these Processes have ended. waitReady is the same function under the library's earlier name.
import { ProcessStateError } from '../errors.ts';
import { normalizeTimeout, typeError } from '../options.ts';
import { Process } from '../process.ts';
import { Connection, kWhenReady } from './connection.ts';
import { kAcceptor, Listener } from './listener.ts';

/** What wait() watches: Connections (ready to recv), Listeners (a connection waits), Processes (ended). */
export type Waitable = Connection | Listener | Process;

// A Process is watched with join() in slices, so a join left behind by a finished wait ends soon.
const JOIN_SLICE_MS = 1000;

/**
 * Resolves with those of `objects` that are ready, in their order: a Connection with data (or
 * whose other end closed), a Listener with a connection waiting (or closed), a Process that
 * ended. Waits until one is, or `timeoutMs` (then `[]`).
 */
export async function wait<T extends Waitable>(objects: Iterable<T>, timeoutMs?: number): Promise<T[]> {
  const list = [...checkObjects(objects)];
  const timeout = normalizeTimeout('timeoutMs', timeoutMs);
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
    await Promise.race([timedOut, ...watches.map((one) => one.catch(() => undefined))]);
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
    if (!(object instanceof Connection) && !(object instanceof Process) && !(object instanceof Listener)) typeError('objects[…]', 'a Connection, a Listener or a Process', object);
    if (object instanceof Process && object.pid === undefined) throw new ProcessStateError(`wait() was given ${object.name}, which was not started.`);
  }
  return objects;
}

function readyNow<T extends Waitable>(list: T[]): T[] {
  return list.filter((object) => {
    if (object instanceof Connection) return object.pollSync();
    if (object instanceof Listener) return object[kAcceptor].pendingNow();
    return object.exitCode !== null;
  });
}

function watch(object: Waitable, signal: AbortSignal, deadline: number | undefined): Promise<unknown> {
  if (object instanceof Connection) return object[kWhenReady](signal);
  if (object instanceof Listener) return whenPending(object, signal);
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
