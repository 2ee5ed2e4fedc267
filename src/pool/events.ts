// What a pool tells its listeners (piscina's events, named as piscina names them): a worker
// started, a worker ended (and why), the pool went idle. A listener's throw does not disturb the
// pool: it is rethrown on its own, as an uncaught exception, the way an EventEmitter's would be.
import { EventEmitter } from 'node:events';

/** A pool worker (local Pool). */
export interface PoolWorkerInfo {
  /** Its process name (`SpawnPoolWorker-3`). */
  name: string;
  pid: number;
}

/**
 * Why a worker left: asked to (`stopped` at close, `recycled` by maxTasksPerChild, `cancelled` by
 * cancelRunning, `terminated`), or not (`died`, `died idle`), or `stale`/`initializer failed`.
 */
export type PoolWorkerExitReason =
  'died' | 'died idle' | 'stopped' | 'recycled' | 'stale' | 'terminated' | 'initializer failed' | 'cancelled';

/** A pool worker that ended: how and why. */
export interface PoolWorkerExit extends PoolWorkerInfo {
  /** Python's convention: N for exit(N), -N for signal N. */
  exitCode: number | null;
  /** The signal's name when a signal ended it. */
  signal: string | null;
  reason: PoolWorkerExitReason;
}

/** The events of a Pool, for `pool.on(name, listener)`. */
export interface PoolEvents {
  /** A worker process was started (at the first call, or as a replacement). Local Pool only. */
  workerCreate: [worker: PoolWorkerInfo];
  /** A worker process ended and was reaped. Local Pool only. */
  workerExit: [worker: PoolWorkerExit];
  /** No call is in progress and no task runs any more (the pool went idle). */
  drain: [];
}

/** Emit `name` on `emitter`; a listener's throw is rethrown apart, never into the caller. */
export function emitSafely<K extends keyof PoolEvents>(emitter: EventEmitter<PoolEvents>, name: K, ...args: PoolEvents[K]): void {
  try {
    (emitter as EventEmitter).emit(name, ...args);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
