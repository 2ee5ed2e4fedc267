// A child of the fork server, from the parent's side (forkserver.ts starts it). The server
// reaps it and reports its end on the event socket; a pidfd lets awaitExitSync() block at exit.
import type { Readable } from 'node:stream';
import type { NativeBinding } from '../native/binding.ts';
import { ExitLatch, type LoopHold } from './exit-latch.ts';
import type { Launcher } from './launcher.ts';

/** A child of the fork server, from the parent's side; the server reports its end. */
export class ForkServerLauncher implements Launcher {
  readonly pid: number;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  #pidfd: number | null;
  readonly #native: NativeBinding;
  readonly #latch: ExitLatch;

  constructor(pid: number, native: NativeBinding, hold: LoopHold, stdout: Readable | null, stderr: Readable | null) {
    this.pid = pid;
    this.stdout = stdout;
    this.stderr = stderr;
    this.#native = native;
    this.#latch = new ExitLatch(pid, hold);
    try {
      // For awaitExitSync() at exit: a pidfd is readable once the child has ended.
      this.#pidfd = native.pidfdOpen(pid);
    } catch {
      this.#pidfd = null; // already ended and reaped; the server's notice is on its way
    }
  }

  /** The server reported the child's end (or is gone: -9). */
  ended(exitCode: number): void {
    if (this.#latch.code !== null) return;
    this.#closePidfd();
    this.#latch.settle(exitCode);
  }

  poll(): number | null {
    return this.#latch.code;
  }

  wait(timeoutMs?: number): Promise<number | null> {
    return this.#latch.wait(timeoutMs);
  }

  awaitExitSync(): void {
    if (this.#latch.code === null && this.#pidfd !== null) this.#native.pollReadable([this.#pidfd], -1);
  }

  terminate(): void {
    this.#signal('SIGTERM');
  }

  kill(): void {
    this.#signal('SIGKILL');
  }

  interrupt(): void {
    this.#signal('SIGINT');
  }

  close(): void {
    this.#closePidfd();
  }

  #signal(signal: NodeJS.Signals): void {
    if (this.#latch.code !== null) return;
    try {
      process.kill(this.pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }

  #closePidfd(): void {
    if (this.#pidfd === null) return;
    this.#native.close(this.#pidfd);
    this.#pidfd = null;
  }
}
