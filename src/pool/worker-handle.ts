// The parent's side of one pool worker: its Process, its end of the Pipe, the tasks it holds.
// The parent receives from a worker only while it holds tasks, so idle workers (daemons whose
// launchers do not ref the loop) never keep the parent's event loop alive.
import { constants } from 'node:os';
import type { Connection } from '../connection/index.ts';
import type { TargetRef } from '../loading/target.ts';
import type { Process } from '../process.ts';
import type { Call } from './call.ts';

/** How a call's function reaches workers: its registry id (fork) and/or its reference. */
export interface CallSpec {
  id: number | undefined;
  ref: TargetRef | null;
}

/** One chunk of a call, sent to one worker as one task. */
export interface Task {
  readonly id: number;
  readonly call: Call;
  /** How the call's function reaches a worker. */
  readonly route: CallSpec;
  /** Chunk number within the call. */
  readonly index: number;
  /** Position of the chunk's first item in the call's input. */
  readonly start: number;
  readonly items: unknown[];
}

/** Tasks sent to a worker in one message; `sentAt` (tracing only, µs on CLOCK_MONOTONIC): when. */
export interface Batch {
  readonly tasks: [Task, ...Task[]];
  readonly sentAt: number;
  /** performance.now() when sent (the pool's utilization). */
  readonly queuedAt: number;
}

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
  /** Batches sent and not answered yet, oldest first (at most two: the oldest running, one waiting in the pipe). */
  readonly batches: Batch[] = [];
  reading = false;
  /** Removed from the pool (dead, retiring, or recycled). */
  gone = false;
  /** Tracing only (µs, CLOCK_MONOTONIC): when start() was called, when its last task ended. */
  startedAt = 0;
  busyUntil = 0;
  /** performance.now() of its last answer (0: none yet): a batch runs from max(its queuedAt, this). */
  answeredAt = 0;

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
