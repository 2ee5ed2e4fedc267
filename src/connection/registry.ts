// The Connections alive in this process: a forked child drops the parent's pending receives and
// queued writes on its copies (they belong to the parent; the fds stay open and usable), and a
// Connection that was garbage collected without close() has its fd closed (as Python's
// Connection.__del__), so the other end sees EOF. An operation in progress keeps its Connection
// reachable (the native watcher or the write socket holds it), so nothing in use is closed.
import { loadNative } from '../native/binding.ts';
import { registerAfterFork } from '../os/child.ts';

/** Implemented by Connection: forget what belongs to the parent, in a forked child. */
export const kAfterFork = Symbol('multiproc.connection.afterFork');

interface Tracked {
  [kAfterFork](): void;
}

const live = new Set<WeakRef<Tracked>>();
const refs = new WeakMap<Tracked, WeakRef<Tracked>>();
const finalizer = new FinalizationRegistry<{ fd: number; ref: WeakRef<Tracked> }>(({ fd, ref }) => {
  live.delete(ref);
  try {
    loadNative()?.close(fd);
  } catch {
    // already closed
  }
});

/** Track a new Connection over `fd`. */
export function trackConnection(connection: Tracked, fd: number): void {
  const ref = new WeakRef(connection);
  live.add(ref);
  refs.set(connection, ref);
  finalizer.register(connection, { fd, ref }, connection);
}

/** Stop tracking (close() was called: it closes the fd itself). */
export function forgetConnection(connection: Tracked): void {
  const ref = refs.get(connection);
  if (ref !== undefined) live.delete(ref);
  finalizer.unregister(connection);
}

registerAfterFork(() => {
  for (const ref of live) ref.deref()?.[kAfterFork]();
});
