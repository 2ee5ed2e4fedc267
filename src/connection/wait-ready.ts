// waitReady(): Python's multiprocessing.connection.wait — which of these Connections have
// something to receive (or reached EOF) and which of these Processes have ended.
import { ProcessStateError } from '../errors.ts';
import { normalizeTimeout, typeError } from '../options.ts';
import type { Process } from '../process.ts';
import { hasBrand } from '../symbols.ts';
import { type Connection, kWhenReady } from './connection.ts';

/** What waitReady() watches: Connections (ready to recv) and Processes (ended). */
export type Waitable = Connection | Process;

// A Process is watched with join() in slices, so a join left behind by a finished wait ends soon.
const JOIN_SLICE_MS = 1000;

/**
 * Resolves with those of `objects` that are ready, in their order: a Connection with data (or
 * whose other end closed), a Process that ended. Waits until one is, or `timeoutMs` (then `[]`).
 */
export async function waitReady<T extends Waitable>(objects: Iterable<T>, timeoutMs?: number): Promise<T[]> {
  const list = [...checkObjects(objects)];
  const timeout = normalizeTimeout('timeoutMs', timeoutMs);
  const ready = readyNow(list);
  if (ready.length > 0 || timeout === 0 || list.length === 0) {
    if (list.length === 0 && timeout === undefined) throw new RangeError('waitReady() was given nothing to wait for: it would wait forever.');
    return ready;
  }
  const controller = new AbortController();
  const deadline = timeout === undefined ? undefined : Date.now() + timeout;
  const watches = list.map((object) => (isConnection(object) ? object[kWhenReady](controller.signal) : whenEnded(object, controller.signal, deadline)));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    if (timeout !== undefined) timer = setTimeout(resolve, timeout);
  });
  try {
    await Promise.race([timedOut, ...watches.map((watch) => watch.catch(() => undefined))]);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return readyNow(list);
}

function checkObjects<T>(objects: Iterable<T>): Iterable<T> {
  if (objects === null || typeof objects !== 'object' || typeof (objects as Partial<Iterable<T>>)[Symbol.iterator] !== 'function') {
    typeError('objects', 'an iterable of Connections and Processes', objects);
  }
  for (const object of objects) {
    if (!isConnection(object) && !hasBrand(object, 'Process')) typeError('objects[…]', 'a Connection or a Process', object);
    if (hasBrand(object, 'Process') && (object as Process).pid === undefined) throw new ProcessStateError(`waitReady() was given ${(object as Process).name}, which was not started.`);
  }
  return objects;
}

function readyNow<T extends Waitable>(list: T[]): T[] {
  return list.filter((object) => (isConnection(object) ? object.pollSync() : object.exitCode !== null));
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
