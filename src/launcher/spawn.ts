// The `spawn` start method: a fresh Node.js process (same execPath and execArgv, so loaders
// like tsx work) that imports the target's module. fd 3 is a socketpair to the parent: it
// carries the preparation message, and its end-of-file tells the child that the parent died.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { PreparationData } from '../bootstrap/preparation-message.ts';
import { getExecutable } from '../executable.ts';
import { ProcessError } from '../errors.ts';
import { loadNative } from '../native/binding.ts';
import { settlePairs, stdioEntries } from '../portable/stdio-pairs.ts';
import { entryPath, inheritedExecArgv } from '../paths.ts';
import { buildPreparation } from '../preparation.ts';
import { internals } from '../process-internals.ts';
import { childOptionsForStart, type ChildOptions } from '../process-options.ts';
import { hasPublicHooks } from '../loading/ts-hooks.ts';
import { inThreadTsHook } from '../loading/typescript.ts';
import { encodeObject } from '../wire/protocol.ts';
import { ExitLatch } from './exit-latch.ts';
import { exitCodeOf, type Launcher, type StartMethodImpl } from './launcher.ts';

/**
 * The child's options: the parent's (paths.ts), plus --expose-internals where TypeScript is
 * compiled in-thread (a fork server's descendants, `multiproc run`): the child then runs tsx's
 * ES module hooks in its main thread as its parent does (spawn-main.ts). A Node with the public
 * module.registerHooks needs no internals for that (src/loading/ts-hooks.ts).
 */
function childExecArgv(given: string[] | null): string[] {
  const args = given ?? inheritedExecArgv();
  return inThreadTsHook(args) !== null && !hasPublicHooks() ? ['--expose-internals', ...args] : args;
}

/**
 * The child's environment: `env` (else the parent's). A child that compiles TypeScript in its
 * main thread needs esbuild without its worker thread (a worker-thread esbuild hung such a child
 * on Node 22) also when `env` replaced the environment: the variable is added for its start and
 * named in MULTIPROC_SPAWN_ADDED, which spawn-main.ts removes again, so the target sees `env`.
 */
function childEnv(env: Readonly<Record<string, string>> | null, execArgv: string[]): NodeJS.ProcessEnv {
  if (env === null) return process.env;
  if (inThreadTsHook(execArgv) === null || env['ESBUILD_WORKER_THREADS'] !== undefined) return env;
  return { ...env, ESBUILD_WORKER_THREADS: '0', MULTIPROC_SPAWN_ADDED: 'ESBUILD_WORKER_THREADS' };
}

/** First fd number of the handles a spawned child inherits (0-2 stdio, 3 the channel). */
export const SPAWN_FIRST_HANDLE_FD = 4;

/** The spawn strategy. */
export const spawnMethod: StartMethodImpl = {
  name: 'spawn',
  copiesMemory: false,
  unavailableReason: () => null,
  launch: (process) => {
    const record = internals(process);
    const options = childOptionsForStart(record.child, 'spawn', record.name);
    const prep = buildPreparation(process, record, 'spawn', 'a spawned process', options);
    return new SpawnLauncher(prep, options, record.daemon);
  },
};

class SpawnLauncher implements Launcher {
  readonly pid: number;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly #child: ChildProcess;
  readonly #latch: ExitLatch;

  constructor(prep: PreparationData, options: ChildOptions, daemon: boolean) {
    const fds = prep.handles.flatMap((handle) => handle.fds);
    let next = SPAWN_FIRST_HANDLE_FD;
    const handles = prep.handles.map((handle) => ({ ...handle, fds: handle.fds.map(() => next++) }));
    // The child starts in the parent's directory (relative loader paths in execArgv resolve as
    // they do here) and moves to `cwd` before it imports anything (run-child.ts).
    const execArgv = childExecArgv(options.execArgv);
    let child: ChildProcess;
    try {
      child = spawn(getExecutable(), [...execArgv, entryPath('bootstrap/spawn-main')], {
        stdio: ['ignore', options.stdio, options.stdio, 'pipe', ...stdioEntries(fds)], // portable Pipe ends: see stdio-pairs.ts
        env: { ...childEnv(options.env, execArgv), MULTIPROC_SPAWN_PARENT: String(process.pid) },
        windowsHide: true,
      });
    } catch (error) {
      settlePairs(fds, null, SPAWN_FIRST_HANDLE_FD);
      throw error;
    }
    // A failed kill() of an ended child, or a failed spawn, arrives here; state comes from 'exit'.
    child.on('error', () => undefined);
    settlePairs(fds, child.pid === undefined ? null : child.stdio, SPAWN_FIRST_HANDLE_FD);
    if (child.pid === undefined) {
      throw new ProcessError(`Could not spawn ${getExecutable()} for ${prep.name} (see setExecutable()).`, { startMethod: 'spawn' });
    }
    this.pid = child.pid;
    this.stdout = child.stdout;
    this.stderr = child.stderr;
    this.#child = child;
    // A daemon child does not keep the loop alive, but someone waiting for it must.
    this.#latch = new ExitLatch(child.pid, daemon ? child : null);
    child.once('exit', (code, signal) => this.#latch.settle(exitCodeOf(code, signal)));
    const channel = child.stdio[3] as Socket;
    channel.on('error', () => undefined);
    channel.write(encodeObject({ ...prep, handles }));
    channel.resume();
    channel.unref();
    if (daemon) {
      // A daemon does not keep the parent alive, nor do the pipes of its output.
      child.unref();
      for (const stream of [child.stdout, child.stderr] as (Socket | null)[]) stream?.unref();
    }
  }

  poll(): number | null {
    return this.#latch.code;
  }

  wait(timeoutMs?: number): Promise<number | null> {
    return this.#latch.wait(timeoutMs);
  }

  awaitExitSync(): void {
    // Learn of the end without reaping: libuv's SIGCHLD handler owns this child's status.
    if (this.#latch.code === null) loadNative()?.waitidNoWait(this.pid, false);
  }

  terminate(): void {
    if (this.#latch.code === null) this.#child.kill('SIGTERM');
  }

  kill(): void {
    if (this.#latch.code === null) this.#child.kill('SIGKILL');
  }

  interrupt(): void {
    if (this.#latch.code === null) this.#child.kill('SIGINT');
  }

  close(): void {
    (this.#child.stdio[3] as Socket | null)?.destroy();
  }
}
