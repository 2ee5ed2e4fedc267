// The `spawn` start method: a fresh Node.js process (same execPath and execArgv, so loaders
// like tsx work) that imports the target's module. fd 3 is a socketpair to the parent: it
// carries the preparation message, and its end-of-file tells the child that the parent died.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { getExecutable } from '../executable.ts';
import { logAt, LogLevel } from '../log.ts';
import { ProcessError } from '../errors.ts';
import { loadNative } from '../native/binding.ts';
import { entryPath, inheritedExecArgv } from '../paths.ts';
import { inThreadTsHook } from '../loading/typescript.ts';
import { encodeObject } from '../wire/protocol.ts';
import { exitCodeOf, type LaunchRequest, type Launcher, type StartMethodImpl } from './launcher.ts';

/**
 * The child's options: the parent's (paths.ts), plus --expose-internals where TypeScript is
 * compiled in-thread (a fork server's descendants, `multiproc run`): the child then runs tsx's
 * ES module hooks in its main thread as its parent does (spawn-main.ts).
 */
function childExecArgv(given: string[] | null): string[] {
  const args = given ?? inheritedExecArgv();
  return inThreadTsHook(args) !== null ? ['--expose-internals', ...args] : args;
}

/** First fd number of the handles a spawned child inherits (0-2 stdio, 3 the channel). */
export const SPAWN_FIRST_HANDLE_FD = 4;

/** The spawn strategy. */
export const spawnMethod: StartMethodImpl = {
  name: 'spawn',
  needsPreparation: true,
  sentTo: 'a spawned process',
  unavailableReason: () => null,
  launch: (request) => new SpawnLauncher(request),
};

class SpawnLauncher implements Launcher {
  readonly pid: number;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  #child: ChildProcess;
  #exitCode: number | null = null;
  #exited: Promise<number>;
  #daemon: boolean;
  #waiters = 0;

  constructor(request: LaunchRequest) {
    const { prep, options } = request;
    const fds = prep.handles.flatMap((handle) => handle.fds);
    let next = SPAWN_FIRST_HANDLE_FD;
    const handles = prep.handles.map((handle) => ({ ...handle, fds: handle.fds.map(() => next++) }));
    // The child starts in the parent's directory (relative loader paths in execArgv resolve as
    // they do here) and moves to `cwd` before it imports anything (run-child.ts).
    const child = spawn(getExecutable(), [...childExecArgv(options.execArgv), entryPath('bootstrap/spawn-main')], {
      stdio: ['ignore', options.stdio, options.stdio, 'pipe', ...fds],
      env: { ...(options.env ?? process.env), MULTIPROC_SPAWN_PARENT: String(process.pid) },
      windowsHide: true,
    });
    // A failed kill() of an ended child, or a failed spawn, arrives here; state comes from 'exit'.
    child.on('error', () => undefined);
    if (child.pid === undefined) {
      throw new ProcessError(`Could not spawn ${getExecutable()} for ${prep.name} (see setExecutable()).`, { startMethod: 'spawn' });
    }
    this.pid = child.pid;
    this.stdout = child.stdout;
    this.stderr = child.stderr;
    this.#child = child;
    this.#daemon = request.daemon;
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exitCode = exitCodeOf(code, signal);
        logAt(LogLevel.DEBUG, 'child pid %d ended, exitCode %d', this.pid, this.#exitCode);
        resolve(this.#exitCode);
      });
    });
    const channel = child.stdio[3] as Socket;
    channel.on('error', () => undefined);
    channel.write(encodeObject({ ...prep, handles }));
    channel.resume();
    channel.unref();
    if (request.daemon) {
      // A daemon does not keep the parent alive, nor do the pipes of its output.
      child.unref();
      for (const stream of [child.stdout, child.stderr] as (Socket | null)[]) stream?.unref();
    }
  }

  poll(): number | null {
    return this.#exitCode;
  }

  async wait(timeoutMs?: number): Promise<number | null> {
    if (this.#exitCode !== null) return this.#exitCode;
    // A daemon child does not keep the loop alive, but someone waiting for it must.
    if (this.#daemon && this.#waiters++ === 0) this.#child.ref();
    let timer: NodeJS.Timeout | undefined;
    try {
      if (timeoutMs === undefined) return await this.#exited;
      const timeout = new Promise<null>((resolve) => {
        timer = setTimeout(resolve, timeoutMs, null);
      });
      return await Promise.race([this.#exited, timeout]);
    } finally {
      clearTimeout(timer);
      if (this.#daemon && --this.#waiters === 0) this.#child.unref();
    }
  }

  waitSync(): void {
    // Learn of the end without reaping: libuv's SIGCHLD handler owns this child's status.
    if (this.#exitCode === null) loadNative()?.waitidNoWait(this.pid, false);
  }

  terminate(): void {
    if (this.#exitCode === null) this.#child.kill('SIGTERM');
  }

  kill(): void {
    if (this.#exitCode === null) this.#child.kill('SIGKILL');
  }

  interrupt(): void {
    if (this.#exitCode === null) this.#child.kill('SIGINT');
  }

  close(): void {
    (this.#child.stdio[3] as Socket | null)?.destroy();
  }
}
