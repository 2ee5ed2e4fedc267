// The Connections alive in this process: a forked child drops the parent's pending receives and
// queued writes on its copies (they belong to the parent; the fds stay open and usable), and a
// Connection that was garbage collected without close() has its fd closed (as Python's
// Connection.__del__), so the other end sees EOF. A receive in progress keeps its Connection
// reachable (reader.ts), so nothing in use is closed.
//
// A forked child is a copy of the parent's heap: it holds every Connection of the parent, most
// of them unreachable from what the child runs (they were only on the parent's stack, unwound in
// the child). Held open, they would keep the other ends from ever seeing EOF (a child echoing
// until EOF would wait forever: Python's classic fork pitfall). So a child that inherited
// Connections runs one full garbage collection as soon as it starts: those it cannot reach are
// closed by the finalizer; those its target holds stay open.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadNative } from '../native/binding.ts';
import { registerAfterFork, registerParentAfterFork } from '../os/child.ts';
import type { Lane } from './lane.ts';

/** Implemented by Connection: forget what belongs to the parent, in a forked child. */
export const kAfterFork = Symbol.for('multiproc.connection.afterFork');
/** Implemented by Connection: another process holds this end now (read exactly one frame at a time). */
export const kShared = Symbol.for('multiproc.connection.shared');

interface Tracked {
  [kAfterFork](): void;
  [kShared](): void;
}

/** What a collected Connection's reader and writer must release (they never hold the Connection itself). */
export interface EndParts {
  reader: { release(): void } | null;
  writer: { afterDrain(fn: () => void): void; close(): void } | null;
}

const live = new Set<WeakRef<Tracked>>();
const refs = new WeakMap<Tracked, WeakRef<Tracked>>();
const finalizer = new FinalizationRegistry<{ fd: number; ref: WeakRef<Tracked>; lanes: EndLanes; parts: EndParts }>(
  ({ fd, ref, lanes, parts }) => {
    live.delete(ref);
    lanes.receiving?.countReceiver(-1);
    lanes.sending?.countProducer(-1);
    parts.reader?.release();
    const writer = parts.writer;
    writer?.afterDrain(() => writer.close());
    try {
      loadNative()?.close(fd);
    } catch {
      // already closed
    }
  },
);

/** The lanes an end receives from and sends into (a receiver and a producer less there when it is collected). */
export interface EndLanes {
  receiving: Lane | null;
  sending: Lane | null;
}

/** Track a new Connection over `fd`. */
export function trackConnection(connection: Tracked, fd: number, lanes: EndLanes, parts: EndParts): void {
  const ref = new WeakRef(connection);
  live.add(ref);
  refs.set(connection, ref);
  finalizer.register(connection, { fd, ref, lanes, parts }, connection);
}

/** Stop tracking (close() was called: it closes the fd itself). */
export function forgetConnection(connection: Tracked): void {
  const ref = refs.get(connection);
  if (ref !== undefined) live.delete(ref);
  finalizer.unregister(connection);
}

// In the parent of a fork: the child holds a copy of every end, so none may read ahead any more.
registerParentAfterFork(() => {
  for (const ref of live) ref.deref()?.[kShared]();
});

registerAfterFork(() => {
  if (live.size === 0) return;
  for (const ref of live) ref.deref()?.[kAfterFork]();
  setImmediate(collectGarbage);
});

// A full GC (global.gc when --expose-gc was given; otherwise exposed for this one call).
function collectGarbage(): void {
  try {
    let gc = (globalThis as { gc?: () => void }).gc;
    if (typeof gc !== 'function') {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    }
    gc();
  } catch {
    // without it, unreachable copies are closed at the next natural collection
  }
}
