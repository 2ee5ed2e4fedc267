// The launcher interface: one implementation per start method (spawn.ts, fork.ts,
// forkserver.ts). Everything above it is start-method-agnostic: Process.start() hands the
// process to launch(), the Pool asks for capabilities (copiesMemory, preload), never for names.
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import type { StartMethod } from '../start-methods.ts';

/** A Process object being started; its record is internals(process) (src/process-internals.ts). */
export interface ProcessToStart {
  run(): unknown;
}

/** A started child, from the parent's side. */
export interface Launcher {
  readonly pid: number;
  /** The child's stdout and stderr when started with `stdio: 'pipe'`; else null. */
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** The exit code in Python's convention (N, or -signal) once the child ended; else null. */
  poll(): number | null;
  /** Resolves with the exit code when the child ends, or null when `timeoutMs` passes first. */
  wait(timeoutMs?: number): Promise<number | null>;
  /** Blocks until the child ended (used at exit, for non-daemon children). */
  awaitExitSync(): void;
  terminate(): void;
  /** Send SIGINT (Process.interrupt()). */
  interrupt(): void;
  kill(): void;
  /** Frees the parent's resources for the child; the child must have ended. */
  close(): void;
}

/** One start method's strategy. */
export interface StartMethodImpl {
  readonly name: StartMethod;
  /**
   * The child is a copy of the parent (fork): a function reaches it by identity (closures
   * included), not by module reference, and it inherits the parent's handles of the moment.
   */
  readonly copiesMemory: boolean;
  /** Null when usable here, else why not and what to use instead. */
  unavailableReason(): string | null;
  /**
   * Start `process`'s child: build what the child needs (the preparation message, or the
   * forked copy's runner) from the process and its record, and launch it.
   */
  launch(process: ProcessToStart): Launcher;
  /** Have children started later begin with the modules at `urls` loaded; absent where there is nothing to preload into. */
  preload?(urls: string[]): void;
}

/** Python's exit code convention from a Node exit (code, signal name). */
export function exitCodeOf(code: number | null, signal: string | null): number {
  if (signal !== null) {
    const number = (constants.signals as Record<string, number | undefined>)[signal];
    return number === undefined ? -1 : -number;
  }
  return code ?? 0;
}
