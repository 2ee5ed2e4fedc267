// The `fork` start method: the real POSIX fork() of the calling process through the native
// addon. The child is a copy of everything (closures, module state, open fds), so any function
// may be a target. Safe only in a process started with --single-threaded (fork() copies only
// the calling thread; V8's background threads could hold its locks); elsewhere start() refuses
// and points to forkserver.
//
// The child is forked inside start(), deep in the parent's call stack (often in a microtask or a
// timer callback). It must never return into the parent's code: the addon's unwindThenCall
// terminates the copied JavaScript stack (uncatchable, no catch/finally of the parent runs),
// then calls the child's own entry from a fresh turn of the event loop, which runs the target;
// the child ends, through _exit, once the target settled and its event loop has nothing left.
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { applyEnv, applyStdio } from '../bootstrap/child-options.ts';
import { logAt, LogLevel } from '../log.ts';
import { enterForkedChild, setUnwinding } from '../bootstrap/forked-child.ts';
import { loadNative, nativeUnavailableReason, type FdWatcher, type NativeBinding } from '../native/binding.ts';
import { hasLoaderThreadOptions } from '../loading/typescript.ts';
import { registerAfterFork, runParentAfterFork } from '../os/child.ts';
import { canFork } from '../os/fork.ts';
import type { LaunchRequest, Launcher, StartMethodImpl } from './launcher.ts';

/** The fork strategy. */
export const forkMethod: StartMethodImpl = {
  name: 'fork',
  needsPreparation: false,
  sentTo: 'a forked process',
  unavailableReason: () => {
    if (process.platform !== 'linux') return `The 'fork' start method needs Linux (this is ${process.platform}); use 'spawn'.`;
    if (loadNative() === null) return `The 'fork' start method needs multiproc's native addon, which is unavailable: ${nativeUnavailableReason()}. Use 'spawn'.`;
    if (!canFork()) {
      return (
        `The 'fork' start method only works in a process started with \`node --single-threaded\`: V8's background threads do not ` +
        `survive fork(), so a forked copy of this process could hang or crash. Run the script with \`npx multiproc run FILE\`, ` +
        `or use the 'forkserver' start method, which forks from a quiet single-threaded server.`
      );
    }
    if (hasLoaderThreadOptions()) {
      return (
        `The 'fork' start method cannot be used here: this process loads modules through hooks on a loader thread ` +
        `(${process.execArgv.join(' ')}), a second V8 isolate that works when it likes: a fork() taken while it holds one of ` +
        `V8's locks leaves a child that hangs. Run the script with \`npx multiproc run FILE\` (TypeScript compiled in the main ` +
        `thread), or use the 'forkserver' start method (its server compiles TypeScript in its main thread).`
      );
    }
    return null;
  },
  launch: (request) => new ForkLauncher(request),
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
  #exitCode: number | null = null;
  #pidfd: number;
  #watcher: FdWatcher | null;
  #waiting: ((code: number) => void)[] = [];
  #daemon: boolean;
  #waiters = 0;
  readonly #native: NativeBinding;

  constructor(request: LaunchRequest) {
    const native = loadNative() as NativeBinding;
    this.#native = native;
    const parent = process.pid;
    const pipes = request.options.stdio === 'pipe' ? [native.pipe(), native.pipe()] : [];
    let pid: number;
    try {
      pid = native.fork();
    } catch (error) {
      for (const fd of pipes.flat()) native.close(fd);
      throw error;
    }
    if (pid === 0) {
      for (const [readEnd] of pipes) native.close(readEnd);
      runChild(native, parent, request, pipes.map(([, writeEnd]) => writeEnd)); // never returns
    }
    runParentAfterFork();
    this.pid = pid;
    const [stdout, stderr] = pipes.map(([readEnd, writeEnd]) => readablePipe(native, readEnd, writeEnd, request.daemon));
    this.stdout = stdout ?? null;
    this.stderr = stderr ?? null;
    this.#daemon = request.daemon;
    this.#pidfd = native.pidfdOpen(pid);
    this.#watcher = native.watchReadable(this.#pidfd, () => this.#reap());
    // A non-daemon child keeps the loop alive, as a spawned one does; a daemon does not.
    if (this.#daemon) this.#watcher.unref();
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
    this.#exitCode = status.exitCode ?? -(status.signal ?? 0);
    logAt(LogLevel.DEBUG, 'child pid %d ended, exitCode %d', this.pid, this.#exitCode);
    this.#release();
    for (const resolve of this.#waiting.splice(0)) resolve(this.#exitCode);
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
    if (this.#exitCode === null && this.#watcher !== null && this.#native.pollReadable([this.#pidfd], 0).length > 0) this.#reap();
    return this.#exitCode;
  }

  async wait(timeoutMs?: number): Promise<number | null> {
    if (this.poll() !== null) return this.#exitCode;
    if (this.#daemon && this.#waiters++ === 0) this.#watcher?.ref();
    let timer: NodeJS.Timeout | undefined;
    try {
      const exited = new Promise<number>((resolve) => this.#waiting.push(resolve));
      if (timeoutMs === undefined) return await exited;
      const timeout = new Promise<null>((resolve) => {
        timer = setTimeout(resolve, timeoutMs, null);
      });
      return await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
      if (this.#daemon && --this.#waiters === 0) this.#watcher?.unref();
    }
  }

  waitSync(): void {
    if (this.#exitCode === null) this.#native.waitidNoWait(this.pid, false);
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

function runChild(native: NativeBinding, parent: number, request: LaunchRequest, pipeFds: number[]): never {
  let exit: (code: number) => never;
  try {
    exit = enterForkedChild({ parentDeathSignal: 9, expectedParent: parent });
    const { options } = request;
    applyStdio(native, options.stdio, pipeFds);
    applyEnv(options.env);
    if (options.cwd !== null) process.chdir(options.cwd);
  } catch (error) {
    process.stderr.write(`multiproc: a forked child could not prepare itself: ${(error as Error).stack ?? String(error)}\n`);
    return native.exit(1);
  }
  // Unwind the parent's stack (uncatchable) and run the target from a fresh turn of the loop.
  const stack = asyncStack();
  setUnwinding(true);
  native.unwindThenCall(
    () => {
      setUnwinding(false);
      // Node's timer bookkeeping may have been cut short by the unwinding (a timer callback's
      // `finally`), which can leave its timer handle unreferenced: hold the loop open ourselves
      // until the target settles, with a pipe nobody writes to (no wake-ups).
      const [readEnd, writeEnd] = native.pipe();
      const hold = native.watchReadable(readEnd, () => undefined);
      void request.runInChild().then((failed) => {
        hold.close();
        native.close(readEnd);
        native.close(writeEnd);
        // Returned: the loop-end watcher of src/os/child.ts ends the child once its loop has
        // nothing left (timers, servers and sockets of the target first).
        if (failed !== null) exit(failed);
      });
    },
    stack.async_hook_fields,
    stack.async_id_fields,
    [stack.constants.kStackLength, stack.constants.kExecutionAsyncId, stack.constants.kTriggerAsyncId],
  );
  // The termination is delivered at the next interrupt check: this loop's back edge.
  for (;;) {
    // never left
  }
}

interface AsyncWrapBinding {
  async_hook_fields: Uint32Array;
  async_id_fields: Float64Array;
  constants: { kStackLength: number; kExecutionAsyncId: number; kTriggerAsyncId: number };
}

// Node's async-context stack, which the unwinding leaves with entries it must clear
// (process.binding is deprecated, hence the warning is silenced for this one read).
function asyncStack(): AsyncWrapBinding {
  const quiet = process.noDeprecation === true;
  process.noDeprecation = true;
  try {
    return (process as unknown as { binding(name: string): AsyncWrapBinding }).binding('async_wrap');
  } finally {
    process.noDeprecation = quiet;
  }
}
