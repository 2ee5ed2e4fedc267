// The fork server's children: each watched through a pidfd, reaped when it ends, and known by
// when it started (the spare policy learns from their lifetimes). A child of the server lets go
// of its siblings' watchers (forgetInChild); the server's end kills them all (killAll).
import { performance } from 'node:perf_hooks';
import type { NativeBinding } from '../native/types.ts';

/** How a child of the server ended: its exit code, or minus the signal that ended it, and how long it lived (ms). */
export interface ChildEnd {
  pid: number;
  code: number;
  lifetime: number;
}

interface Watched {
  pidfd: number;
  watcher: { close(): void };
  startedAt: number;
}

/** The server's children and their pidfd watchers. */
export class ServerChildren {
  readonly #native: NativeBinding;
  readonly #children = new Map<number, Watched>();

  constructor(native: NativeBinding) {
    this.#native = native;
  }

  /** Reap `pid` when it ends, then call `ended`. */
  watch(pid: number, ended: (end: ChildEnd) => void): void {
    const native = this.#native;
    const pidfd = native.pidfdOpen(pid);
    const watcher = native.watchReadable(pidfd, () => {
      const status = native.waitpid(pid, true);
      if (status === null) return;
      watcher.close();
      native.close(pidfd);
      const child = this.#children.get(pid);
      this.#children.delete(pid);
      const lifetime = child === undefined ? 0 : performance.now() - child.startedAt;
      ended({ pid, code: status.exitCode ?? -(status.signal ?? 0), lifetime });
    });
    this.#children.set(pid, { pidfd, watcher, startedAt: performance.now() });
  }

  /** `pid` (a spare) became a Process now: its lifetime counts from here. */
  restart(pid: number): void {
    const child = this.#children.get(pid);
    if (child !== undefined) child.startedAt = performance.now();
  }

  /** In a child of the server: the siblings are not its children; close its copies of their watchers. */
  forgetInChild(): void {
    for (const { pidfd, watcher } of this.#children.values()) {
      watcher.close();
      this.#native.close(pidfd);
    }
    this.#children.clear();
  }

  /** The server is ending: no child may outlive the user's process. */
  killAll(): void {
    for (const pid of this.#children.keys()) {
      try {
        this.#native.kill(pid, 9);
      } catch {
        // already ended
      }
    }
  }
}
