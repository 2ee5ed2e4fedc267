// The `forkserver` start method, client side. A fork server is a quiet Node.js process started
// on first use with --single-threaded (the one condition under which fork() is safe in Node:
// fork() copies only the calling thread, and V8's background threads could hold its locks). It imports each target module once and forks a child per
// request, so a child starts in about a millisecond with its modules already loaded.
//
// Two channels: a request socket used synchronously (start() blocks for the child's pid, as
// Python's does; fds of shareable objects travel with the request by SCM_RIGHTS), and an event
// socket on which the server reports each child's end asynchronously.
import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import type { PreparationData } from '../bootstrap/preparation-message.ts';
import { getExecutable } from '../executable.ts';
import { inheritedLogLevel, logAt, LogLevel } from '../log.ts';
import { ProcessError } from '../errors.ts';
import { loadNative, nativeUnavailableReason, type NativeBinding } from '../native/binding.ts';
import { entryPath, inheritedExecArgv } from '../paths.ts';
import { buildPreparation } from '../preparation.ts';
import { internals } from '../process-internals.ts';
import { childOptionsForStart } from '../process-options.ts';
import { forkSafeExecArgv } from '../loading/typescript.ts';
import {
  decodeForkReply,
  decodeObject,
  encodeObject,
  expectMessage,
  FrameDecoder,
  type ForkExitNotice,
  type ForkReply,
} from '../wire/protocol.ts';
import { ForkServerLauncher } from './forkserver-launcher.ts';
import type { Launcher, StartMethodImpl } from './launcher.ts';

/** The forkserver strategy. */
export const forkserverMethod: StartMethodImpl = {
  name: 'forkserver',
  copiesMemory: false,
  unavailableReason: () => {
    if (process.platform !== 'linux') return `The 'forkserver' start method needs Linux (this is ${process.platform}); use 'spawn'.`;
    if (loadNative() === null)
      return `The 'forkserver' start method needs multiproc's native addon, which is unavailable: ${nativeUnavailableReason()}. Use 'spawn'.`;
    return null;
  },
  launch: (process) => {
    const record = internals(process);
    const options = childOptionsForStart(record.child, 'forkserver', record.name);
    const prep = buildPreparation(process, record, 'forkserver', 'a process started by the fork server', options);
    return ForkServer.current().launch(prep, record.daemon);
  },
  /**
   * Have this process's fork server import `urls` (module URLs) before it forks its next
   * children, so they start with those modules loaded (a Pool's task functions). Starts the
   * server if need be; does nothing where the forkserver method is unavailable.
   */
  preload: (urls) => {
    if (urls.length === 0 || forkserverMethod.unavailableReason() !== null) return;
    ForkServer.current().preload(urls);
  },
};

/**
 * The server's flags: --single-threaded, and the parent's loaders so .ts targets work, with
 * tsx's ESM loader (a hooks thread, which would make fork() unsafe) replaced by in-thread
 * compilation (src/loading/typescript.ts).
 */
export function serverExecArgv(): string[] {
  // --expose-internals lets a forked child drop module hooks that another loader (not tsx) still
  // runs on a loader thread (see src/loading/in-thread-loader.ts).
  return [
    '--single-threaded',
    '--expose-internals',
    '--expose-gc',
    ...forkSafeExecArgv(inheritedExecArgv().filter((arg) => arg !== '--single-threaded')),
  ];
}

class ForkServer {
  static #current: ForkServer | null = null;

  /** This process's server, started on first use (a forked copy of this process starts its own). */
  static current(): ForkServer {
    const server = ForkServer.#current;
    if (server !== null && server.#owner === process.pid && !server.#gone) return server;
    ForkServer.#current = new ForkServer();
    return ForkServer.#current;
  }

  readonly #native: NativeBinding;
  readonly #owner = process.pid;
  readonly #process: ChildProcess;
  readonly #requestFd: number;
  readonly #events: Socket;
  readonly #replies = new FrameDecoder();
  readonly #children = new Map<number, ForkServerLauncher>();
  #gone = false;
  #waiters = 0;

  private constructor() {
    this.#native = loadNative() as NativeBinding;
    const [mine, theirs] = this.#native.socketpair();
    this.#process = spawn(getExecutable(), [...serverExecArgv(), entryPath('bootstrap/forkserver-main')], {
      stdio: ['ignore', 'inherit', 'inherit', theirs, 'pipe'],
      // esbuild (tsx's compiler) must not keep a worker thread in a process that forks.
      env: {
        ...process.env,
        MULTIPROC_FORKSERVER_PARENT: String(process.pid),
        ESBUILD_WORKER_THREADS: '0',
        ...(inheritedLogLevel() === null ? {} : { MULTIPROC_DEBUG: String(inheritedLogLevel()) }),
      },
    });
    this.#native.close(theirs);
    this.#requestFd = mine;
    this.#process.on('error', () => undefined);
    logAt(LogLevel.INFO, 'fork server started, pid %d', this.#process.pid);
    this.#process.unref();
    this.#events = this.#process.stdio[4] as Socket;
    const notices = new FrameDecoder();
    this.#events.on('data', (chunk: Buffer) => {
      for (const frame of notices.push(chunk)) {
        const notice = expectMessage<ForkExitNotice>(decodeObject(frame.payload), ['exited']);
        this.#children.get(notice.pid)?.ended(notice.exitCode);
        this.#children.delete(notice.pid);
      }
    });
    this.#events.on('error', () => undefined);
    this.#events.on('close', () => this.#lost());
    this.#events.unref();
  }

  launch(prep: PreparationData, daemon: boolean): Launcher {
    if (this.#gone) throw new ProcessError('The fork server has ended; start() again to start a new one.', { startMethod: 'forkserver' });
    const fds = prep.handles.flatMap((handle) => handle.fds);
    // stdio 'pipe': the write ends travel last, after the handles' fds (forkserver-main.ts).
    const pipes = prep.stdio === 'pipe' ? [this.#native.pipe(), this.#native.pipe()] : [];
    fds.push(...pipes.map(([, writeEnd]) => writeEnd));
    let reply: ForkReply;
    try {
      this.#sendAll(encodeObject({ type: 'start', prep, fdCount: fds.length }), fds);
      reply = this.#readReply();
    } catch (error) {
      for (const [readEnd] of pipes) this.#native.close(readEnd);
      throw error;
    } finally {
      for (const [, writeEnd] of pipes) this.#native.close(writeEnd);
    }
    if (reply.type === 'refused') {
      for (const [readEnd] of pipes) this.#native.close(readEnd);
      throw new ProcessError(`The fork server could not start ${prep.name}: ${reply.message}`, { startMethod: 'forkserver' });
    }
    const [stdout, stderr] = pipes.map(([readEnd]) => new Socket({ fd: readEnd, readable: true, writable: false }));
    if (daemon) for (const stream of [stdout, stderr]) stream?.unref(); // as spawn.ts
    const launcher = new ForkServerLauncher(reply.pid, this.#native, this.hold, stdout ?? null, stderr ?? null);
    this.#children.set(reply.pid, launcher);
    return launcher;
  }

  /** Ask the server to import `urls` before its next fork (no reply: requests are handled in order). */
  preload(urls: string[]): void {
    if (this.#gone) return;
    this.#sendAll(encodeObject({ type: 'preload', urls }), []);
  }

  /** Keep the loop alive while someone waits for a child's end (the end comes on the event socket). */
  readonly hold = {
    ref: (): void => {
      if (this.#waiters++ === 0) this.#events.ref();
    },
    unref: (): void => {
      if (--this.#waiters === 0) this.#events.unref();
    },
  };

  #sendAll(frame: Buffer, fds: number[]): void {
    let offset = 0;
    try {
      while (offset < frame.length) {
        offset += this.#native.sendFds(this.#requestFd, frame.subarray(offset), offset === 0 ? fds : []);
      }
    } catch (error) {
      this.#lost();
      throw new ProcessError(`The fork server is not reachable (${(error as Error).message}); start() again to start a new one.`, {
        cause: error,
        startMethod: 'forkserver',
      });
    }
  }

  #readReply(): ForkReply {
    for (;;) {
      const got = this.#native.recvFds(this.#requestFd, 65_536);
      if (got === null) continue; // cannot happen on this blocking socket; be safe
      if (got.data.length === 0) {
        this.#lost();
        throw new ProcessError('The fork server ended unexpectedly (see its output above); start() again to start a new one.', {
          startMethod: 'forkserver',
        });
      }
      for (const fd of got.fds) this.#native.close(fd);
      const [frame] = this.#replies.push(got.data);
      if (frame !== undefined) return decodeForkReply(frame);
    }
  }

  // The server is gone: its children were killed by PR_SET_PDEATHSIG, so they count as SIGKILLed.
  #lost(): void {
    if (this.#gone) return;
    this.#gone = true;
    logAt(LogLevel.WARNING, 'fork server pid %d is gone; its %d running children count as killed', this.#process.pid, this.#children.size);
    for (const launcher of this.#children.values()) launcher.ended(-9);
    this.#children.clear();
    try {
      this.#native.close(this.#requestFd);
    } catch {
      // already closed
    }
    this.#events.destroy();
  }
}
