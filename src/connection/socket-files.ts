// The files of a Listener on a unix socket: the socket file and the private directory made for
// an arbitrary address. Removed once, by whichever comes first: close(), the process's normal
// exit (as Python's Listener, whose Finalize unlinks at exit), the Listener being collected
// without close() (its fd is closed then too), or, after a crash, the resource tracker
// (src/shared-memory/tracker.ts), with which both are registered while they exist. A forked
// child's copies are the parent's: it forgets them.
import { rmSync, unlinkSync } from 'node:fs';
import { loadNative } from '../native/binding.ts';
import { registerAfterFork } from '../os/child.ts';
import { registerResource, unregisterResource } from '../shared-memory/tracker.ts';

/** One Listener's socket file and private directory (either may be null). */
export class SocketFiles {
  #path: string | null = null;
  #dir: string | null = null;

  /** Own `dir`, a directory made for the socket (removed with everything in it). */
  ownDir(dir: string): void {
    this.#dir = dir;
    registerResource(dir);
    open.add(this);
  }

  /** Own `path`, the socket file bound by this process. */
  ownPath(path: string): void {
    this.#path = path;
    registerResource(path);
    open.add(this);
  }

  /** Remove what this process owns (idempotent). */
  remove(): void {
    open.delete(this);
    if (this.#path !== null) {
      try {
        unlinkSync(this.#path);
      } catch {
        // already gone
      }
      unregisterResource(this.#path);
      this.#path = null;
    }
    if (this.#dir !== null) {
      rmSync(this.#dir, { recursive: true, force: true });
      unregisterResource(this.#dir);
      this.#dir = null;
    }
  }

  /** In a forked child: these are the parent's files. */
  forget(): void {
    open.delete(this);
    this.#path = null;
    this.#dir = null;
  }
}

const open = new Set<SocketFiles>();

/** A Listener collected without close(): its fd closed, its files removed. */
export const listenerFinalizer = new FinalizationRegistry<{ fd: number; files: SocketFiles }>(({ fd, files }) => {
  try {
    loadNative()?.close(fd);
  } catch {
    // already closed
  }
  files.remove();
});

process.on('exit', () => {
  for (const files of [...open]) files.remove();
});

registerAfterFork(() => {
  for (const files of [...open]) files.forget();
});
