// The `fork` start method: the real POSIX fork() of the calling process through the native
// addon. The child is a copy of everything (closures, module state, open fds), so any function
// may be a target. Safe only in a process started with --single-threaded (fork() copies only
// the calling thread; V8's background threads could hold its locks); elsewhere start() refuses
// and points to forkserver. What the forked copy does is fork-child.ts; this file is the
// parent's side.
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { loadNative, nativeUnavailableReason, type FdWatcher, type NativeBinding } from '../native/binding.ts';
import { registerAfterFork, runParentAfterFork } from '../os/child.ts';
import { forkRefusal } from '../os/fork.ts';
import { internals } from '../process-internals.ts';
import { childOptionsForStart, type ChildOptions } from '../process-options.ts';
import { ExitLatch } from './exit-latch.ts';
import { asyncStackProblem, enterForkedProcess, forkedRun, type ForkedRun } from './fork-child.ts';
import { netHandlesIn } from './fork-handles.ts';
import type { Launcher, StartMethodImpl } from './launcher.ts';

/** The fork strategy. */
export const forkMethod: StartMethodImpl = {
  name: 'fork',
  copiesMemory: true,
  unavailableReason: () => {
    if (process.platform === 'linux' && loadNative() === null) {
      return `The 'fork' start method needs multiproc's native addon, which is unavailable: ${nativeUnavailableReason()}. Use 'spawn'.`;
    }
    const stack = asyncStackProblem();
    if (stack !== null) {
      return (
        `The 'fork' start method needs Node's async_wrap binding to clear the parent's async-context stack in the child, ` +
        `which Node ${process.version} does not expose (${stack}). Use 'forkserver' (the default on Linux) or 'spawn', or Node 20 or 22 for 'fork'.`
      );
    }
    return forkRefusal("The 'fork' start method", 'only works in');
  },
  launch: (process) => {
    const record = internals(process);
    const options = childOptionsForStart(record.child, 'fork', record.name);
    return new ForkLauncher(forkedRun(process, record), options, record.daemon, netHandlesIn([record.args, process]));
  },
};

// Launchers of children still running. A child forked later inherits their pidfd watchers: its
// copies must go (a sibling's end would otherwise make it waitpid() a process that is not its
// child), which the POSIX layer's after-fork hook does, once registered.
const running = new Set<ForkLauncher>();
let afterForkHooked = false;

class ForkLauncher implements Launcher {
  readonly pid: number;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  #pidfd: number;
  #watcher: FdWatcher | null;
  readonly #latch: ExitLatch;
  readonly #native: NativeBinding;

  constructor(run: ForkedRun, options: ChildOptions, daemon: boolean, own: object[]) {
    const native = loadNative() as NativeBinding;
    this.#native = native;
    const parent = process.pid;
    const pipes = options.stdio === 'pipe' ? [native.pipe(), native.pipe()] : [];
    let pid: number;
    try {
      pid = native.fork();
    } catch (error) {
      for (const fd of pipes.flat()) native.close(fd);
      throw error;
    }
    if (pid === 0) {
      for (const [readEnd] of pipes) native.close(readEnd);
      enterForkedProcess(
        native,
        parent,
        options,
        pipes.map(([, writeEnd]) => writeEnd),
        run,
        own,
      ); // never returns
    }
    runParentAfterFork();
    this.pid = pid;
    const [stdout, stderr] = pipes.map(([readEnd, writeEnd]) => readablePipe(native, readEnd, writeEnd, daemon));
    this.stdout = stdout ?? null;
    this.stderr = stderr ?? null;
    this.#pidfd = native.pidfdOpen(pid);
    this.#watcher = native.watchReadable(this.#pidfd, () => this.#reap());
    // A non-daemon child keeps the loop alive, as a spawned one does; a daemon does not, but
    // someone waiting for it must.
    if (daemon) this.#watcher.unref();
    this.#latch = new ExitLatch(pid, daemon ? { ref: () => this.#watcher?.ref(), unref: () => this.#watcher?.unref() } : null);
    running.add(this);
    if (!afterForkHooked) {
      afterForkHooked = true;
      registerAfterFork(() => {
        for (const launcher of running) launcher.#abandon();
        running.clear();
      });
    }
  }

  #reap(): void {
    const status = this.#native.waitpid(this.pid, true);
    if (status === null) return;
    this.#release();
    this.#latch.settle(status.exitCode ?? -(status.signal ?? 0));
  }

  #release(): void {
    running.delete(this);
    this.#watcher?.close();
    this.#watcher = null;
    this.#native.close(this.#pidfd);
  }

  // In a forked child: this launcher is its parent's, for a sibling. Stop watching, forget it.
  #abandon(): void {
    this.#watcher?.close();
    this.#watcher = null;
    try {
      this.#native.close(this.#pidfd);
    } catch {
      // already closed
    }
  }

  poll(): number | null {
    // The pidfd says at once whether the child ended; reap it now rather than at the next loop turn.
    if (this.#latch.code === null && this.#watcher !== null && this.#native.pollReadable([this.#pidfd], 0).length > 0) this.#reap();
    return this.#latch.code;
  }

  wait(timeoutMs?: number): Promise<number | null> {
    this.poll();
    return this.#latch.wait(timeoutMs);
  }

  awaitExitSync(): void {
    if (this.#latch.code === null) this.#native.waitidNoWait(this.pid, false);
  }

  terminate(): void {
    if (this.poll() === null) process.kill(this.pid, 'SIGTERM');
  }

  kill(): void {
    if (this.poll() === null) process.kill(this.pid, 'SIGKILL');
  }

  interrupt(): void {
    if (this.poll() === null) process.kill(this.pid, 'SIGINT');
  }

  close(): void {
    // Everything is released when the child is reaped.
  }
}

/** The parent's side of a stdio pipe: its write end closed, its read end a Readable. */
function readablePipe(native: NativeBinding, readEnd: number, writeEnd: number, daemon: boolean): Readable {
  native.close(writeEnd);
  const socket = new Socket({ fd: readEnd, readable: true, writable: false });
  if (daemon) socket.unref(); // a daemon's output does not keep the parent alive
  return socket;
}
