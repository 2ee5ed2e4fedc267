// The line between a pool's call layer (calls, chunks, order, errors at their position, abort:
// call-pool.ts) and its worker layer (where tasks run: local processes in local-workers.ts, or
// worker hosts behind Redis in src/cluster/). The call layer cuts calls into chunks and hands
// them over with `enqueue`; the worker layer runs them and reports each result to the call.
import type { Call } from './call.ts';
import type { PoolWorkerExit, PoolWorkerInfo } from './events.ts';
import type { CallOptions } from './options.ts';

type AnyFunction = (...args: never[]) => unknown;

/** Where the pool's public API stands. */
export type PoolState = 'running' | 'closed' | 'terminated';

/** What the call layer tells its worker layer's owner back (given to the worker layer's factory). */
export interface CallHooks {
  /** A task of `call` settled (its result or error was delivered to the call). */
  settled(call: Call): void;
  /** A task ended: the pool may be idle now. */
  checkIdle(): void;
  /** No task can run any more: every call fails with `error`. */
  failAll(error: Error): void;
  /** The pool's state (a worker layer may start replacements only while tasks may come). */
  state(): PoolState;
  /** A worker process started ('workerCreate'). */
  workerCreated(worker: PoolWorkerInfo): void;
  /** A worker process ended and was reaped ('workerExit'). */
  workerExited(worker: PoolWorkerExit): void;
}

/** Where a pool's tasks run; `R`: how a call's function reaches the workers (its route). */
export interface WorkerLayer<R> {
  /** For the default chunksize of map (Python's ceil(n / (4 × processes))). */
  readonly processes: number;
  /** Set once no task can run (a failed initializer): calls fail with it. */
  readonly broken: Error | null;
  /** Tasks given and not sent to a worker yet. */
  readonly pending: number;
  /** True while some task was sent and its result has not come back. */
  readonly busy: boolean;
  /** How `fn` reaches the workers; throws the error a function the workers cannot run is refused with. */
  route(fn: AnyFunction): R;
  /** A call is about to give tasks of `route` (the first call may shape how workers start). */
  begin(route: R | null): void;
  /** Run chunk `index` of `call` (its items start at input position `start`). */
  enqueue(call: Call, route: R, index: number, start: number, items: unknown[]): void;
  /** A call was accepted (its per-call options as given): optional. */
  callStarted?(call: Call, options: CallOptions | undefined): void;
  /** A call left the pool (finished, failed, aborted); tasks of a failed call need not run: optional. */
  callEnded?(call: Call): void;
  /** `call` was aborted with `cancelRunning`: end the workers running its tasks (absent: not supported). */
  cancelRunning?(call: Call): void;
  /** Milliseconds the workers spent running tasks so far (for `utilization`): optional. */
  readonly runTimeMs?: number;
  /** The pool was closed and is idle: let the workers go. */
  release(): void;
  /** The pool was terminated: drop what is queued, end the workers now. */
  terminate(): void;
  /** Resolves once every worker the pool started has ended. */
  ended(): Promise<void>;
}
