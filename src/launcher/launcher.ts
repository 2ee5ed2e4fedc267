// The launcher interface: one implementation per start method (spawn.ts, fork.ts,
// forkserver.ts). Everything above it is start-method-agnostic.
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import type { PreparationData } from '../bootstrap/preparation-message.ts';
import type { ChildOptions } from '../process-options.ts';
import type { StartMethod } from '../start-methods.ts';

/** What a launch needs. `prep` for methods that start a fresh program; `runInChild` for fork. */
export interface LaunchRequest {
  prep: PreparationData;
  /** fork only: what the forked child runs; resolves with null when the target returned, or the code to exit with at once (a failure). */
  runInChild: () => Promise<number | null>;
  daemon: boolean;
  /** env, cwd (absolute), execArgv, stdio, checked for this start method. */
  options: ChildOptions;
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
  waitSync(): void;
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
  /** Whether prep (target reference, serialized args) is needed, i.e. not fork. */
  readonly needsPreparation: boolean;
  /** For messages: "a spawned process". */
  readonly sentTo: string;
  /** Null when usable here, else why not and what to use instead. */
  unavailableReason(): string | null;
  launch(request: LaunchRequest): Launcher;
}

/** Python's exit code convention from a Node exit (code, signal name). */
export function exitCodeOf(code: number | null, signal: string | null): number {
  if (signal !== null) {
    const number = (constants.signals as Record<string, number | undefined>)[signal];
    return number === undefined ? -1 : -number;
  }
  return code ?? 0;
}
