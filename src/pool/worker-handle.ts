// The parent's side of one pool worker: its Process, its end of the Pipe, the tasks it holds.
// The parent receives from a worker only while it holds tasks, so idle workers (daemons whose
// launchers do not ref the loop) never keep the parent's event loop alive.
import { constants } from 'node:os';
import type { Connection } from '../connection/index.ts';
import type { Process } from '../process.ts';
import type { Task } from './call.ts';

/** One worker as the pool sees it. */
export class WorkerHandle {
  readonly process: Process;
  readonly conn: Connection;
  /** Functions registered before this id reach it by id (fork workers). */
  readonly knownUpTo: number;
  /** Its number in the pool, in start order from 1 (replacements included): its trace track. */
  readonly seq: number;
  readonly inflight = new Map<number, Task>();
  /** Tasks sent over its lifetime (maxTasksPerChild). */
  dispatched = 0;
  /** Batches sent and not answered yet (at most two: one running, one waiting in the pipe). */
  batches = 0;
  /** The tasks of each unanswered batch, oldest first (the oldest is the one running). */
  readonly batchList: Task[][] = [];
  reading = false;
  /** Removed from the pool (dead, retiring, or recycled). */
  gone = false;
  /** Tracing only (µs, CLOCK_MONOTONIC): when start() was called, when its last task ended, when each unanswered batch was sent. */
  startedAt = 0;
  busyUntil = 0;
  readonly sentAt: number[] = [];

  constructor(process: Process, conn: Connection, knownUpTo: number, seq: number) {
    this.process = process;
    this.conn = conn;
    this.knownUpTo = knownUpTo;
    this.seq = seq;
  }

  /** Wait (up to `timeoutMs`, then SIGKILL) for the process to end; its exit code and signal. */
  async reap(timeoutMs: number): Promise<{ exitCode: number | null; signal: string | null }> {
    const p = this.process;
    try {
      await p.join(timeoutMs);
      if (p.exitCode === null) {
        p.kill();
        await p.join();
      }
    } catch {
      // never started or already closed
    }
    let exitCode: number | null = null;
    try {
      exitCode = p.exitCode;
      p.close();
    } catch {
      // closed already
    }
    return { exitCode, signal: exitCode !== null && exitCode < 0 ? signalName(-exitCode) : null };
  }

  /** `SpawnPoolWorker-3 (pid 1234)`. */
  describe(): string {
    return `${this.process.name} (pid ${this.process.pid ?? '?'})`;
  }
}

function signalName(number: number): string {
  for (const [name, value] of Object.entries(constants.signals)) if (value === number) return name;
  return `signal ${number}`;
}
