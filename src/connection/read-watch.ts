// The fd watcher of a Connection's reader, and what keeps a waiting Connection alive.
//
// Readiness comes from a uv_poll on Node's loop (native watchReadable): level-triggered, so it is
// open only while someone waits (recv, poll) and closed as soon as it fires with no one waiting;
// ref'd only while someone waits, so an idle connection never keeps a process alive. Between
// receives it is left on, unref'd, so the next receive only refs it again.
//
// A Connection with a receive in progress stays reachable until the receive ends, whoever holds
// its Promise: an unreachable, idle Connection is closed by the registry's finalizer, and one
// that is waiting must not be.
import type { FdWatcher, NativeBinding } from '../native/binding.ts';

// Connections with a receive in progress (see the top), and the fds they wait on.
const busy = new Set<object>();
const waitingFds = new Map<ReadWatch, number>();

/** One reader's watcher and liveness (see the top). */
export class ReadWatch {
  readonly #owner: WeakRef<object>;
  readonly #fd: number;
  readonly #native: NativeBinding;
  readonly #onReadable: () => void;
  #watcher: FdWatcher | null = null;

  /** `owner`: the Connection kept alive while someone waits; `onReadable`: called while the fd is readable and watched. */
  constructor(owner: object, fd: number, native: NativeBinding, onReadable: () => void) {
    this.#owner = new WeakRef(owner);
    this.#fd = fd;
    this.#native = native;
    this.#onReadable = onReadable;
  }

  /** A receive or poll begins to wait (`first`: nothing else waited): watch the fd, ref'd, and keep the owner alive. */
  waiting(first: boolean): void {
    if (first) {
      const owner = this.#owner.deref();
      if (owner !== undefined) busy.add(owner);
      waitingFds.set(this, this.#fd);
    }
    if (this.#watcher === null) this.#watcher = this.#native.watchReadable(this.#fd, this.#onReadable);
    else this.#watcher.ref();
  }

  /** Nothing waits any more: the watcher stays on, unref'd, and the owner may be collected. */
  idle(): void {
    this.#watcher?.unref();
    waitingFds.delete(this);
    const owner = this.#owner.deref();
    if (owner !== undefined) busy.delete(owner);
  }

  /** This fd first, then those of the process's other connections with a receive waiting (a wait in the addon ends when one is readable). */
  withOthers(): number[] {
    const fds = [this.#fd];
    if (waitingFds.size > 1) for (const [watch, fd] of waitingFds) if (watch !== this) fds.push(fd);
    return fds;
  }

  /** Close the watcher (the fd is left to whoever reads it next, or is about to be closed). */
  stop(): void {
    waitingFds.delete(this);
    this.#watcher?.close();
    this.#watcher = null;
  }
}
