// How a child ended, as multiproc/os reports it, and the ECHILD-style error.
import type { WaitStatus } from '../native/types.ts';
import { signalName } from './signals.ts';

/**
 * How a child ended: `exitCode` is set when it exited (0-255), `signal` is the name of the
 * signal that killed it ('SIGTERM', 'SIGKILL' …) when it was killed; the other one is null.
 */
export interface WaitResult {
  pid: number;
  exitCode: number | null;
  signal: string | null;
}

/** The native status with the signal as a name. */
export function toWaitResult(status: WaitStatus): WaitResult {
  return { pid: status.pid, exitCode: status.exitCode, signal: status.signal === null ? null : signalName(status.signal) };
}

/** A system error like Node's own (`code`, `errno` negative, `syscall`), for ECHILD and friends. */
export interface OsError extends Error {
  code: string;
  errno: number;
  syscall: string;
}

/** The error of wait()/waitpid() when there is no such child to wait for (ECHILD). */
export function noChildError(syscall: string, detail: string): OsError {
  const error = new Error(`${syscall}: No child processes (${detail})`) as OsError;
  error.code = 'ECHILD';
  error.errno = -10;
  error.syscall = syscall;
  return error;
}
