// The Pool's messages between the parent and a worker (over one Pipe per worker), and how a
// task's function is named: by id in a forked worker's copy of the registry, or by reference.
import type { TargetRef } from '../loading/target.ts';
import type { Packed } from './packing.ts';

/** How a worker finds a function: `id` in the fork-time registry, or an exported function's reference. */
export type FnSpec = { kind: 'id'; id: number } | { kind: 'ref'; ref: TargetRef };

/** Parent → worker: run `fn` on each item (`star`: each item is an argument list), one task = one chunk. */
export interface TaskMessage {
  t: 'task';
  id: number;
  fn: FnSpec;
  star: boolean;
  items: Packed;
}

/** Parent → worker: tasks to run in order; their results come back in one ResultsMessage. */
export interface BatchMessage {
  t: 'batch';
  tasks: TaskMessage[];
}

/** Parent → worker: end after the tasks already sent. */
export interface StopMessage {
  t: 'stop';
}

/** An error as sent back by a worker (see remote-error.ts). */
export interface WireError {
  name: string;
  message: string;
  stack: string | undefined;
  props: Record<string, unknown>;
  cause: WireError | undefined;
}

/** Worker → parent: a task's results (one per item), or its error; `at` (tracing only): its start and end, µs on CLOCK_MONOTONIC. */
export type ResultMessage = (
  { t: 'result'; id: number; ok: true; values: Packed } | { t: 'result'; id: number; ok: false; error: WireError }
) & { at?: [number, number] };

/** Worker → parent: the results of one batch, in its order. */
export interface ResultsMessage {
  t: 'results';
  list: ResultMessage[];
  /** Tracing only: how long the worker waited for this batch, and (first batch) its entry and ready times. */
  trace?: { wait: [number, number]; ready?: [number, number] };
}

/** Worker → parent: the initializer failed; the worker ends. */
export interface InitFailedMessage {
  t: 'init-failed';
  error: WireError;
}

/** Messages a worker receives. */
export type ToWorker = BatchMessage | StopMessage;
/** Messages a worker sends. */
export type FromWorker = ResultsMessage | InitFailedMessage;
