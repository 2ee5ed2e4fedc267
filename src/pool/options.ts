// Pool options and per-call options, normalized in one place with the house message format.
// The public PoolOptions interface lives with the Pool class (pool.ts): it names Context, whose
// Pool getter names the Pool class, and the call layer that imports this file stays clear of both.
import { resolve } from 'node:path';
import { availableParallelism } from '../current.ts';
import { normalizeFunction, normalizePositiveInteger, rangeError, typeError } from '../options.ts';
import { processSourceFor, type ProcessSource } from '../process-classes.ts';
import { isStartMethod } from '../start-methods.ts';

type AnyFunction = (...args: never[]) => unknown;

/** Options of one call (apply, map, starmap, imap, imapUnordered). */
export interface CallOptions {
  /** Items per task sent to a worker (map default: Python's heuristic; imap default: 1). */
  chunksize?: number;
  /**
   * Cancels the call: it rejects with the signal's reason and its queued tasks are dropped; its
   * running tasks finish (their results ignored) unless `cancelRunning` is true.
   */
  signal?: AbortSignal;
  /**
   * With `signal`: an abort also ends the tasks of this call that are running, by terminating the
   * workers running them (SIGTERM, then SIGKILL after 1 s) and starting replacements, as piscina
   * does. Default false (Python's behaviour: a running task runs to its end). Local Pool only.
   */
  cancelRunning?: boolean;
  /**
   * Called as results arrive: `done` items finished so far, out of `total` (null until the whole
   * input was read; then called once more with the total). A throw fails the call with that error.
   */
  onProgress?: (done: number, total: number | null) => void;
  /**
   * imap/imapUnordered: at most this many chunks read from the input and not yet consumed
   * (Python 3.14's `buffersize`); default 4 × processes. map/starmap collect their input instead.
   */
  buffersize?: number;
}

/** Normalized pool options. */
export interface NormalizedPoolOptions {
  processes: number;
  initializer: AnyFunction | undefined;
  initargs: unknown[];
  maxTasksPerChild: number | undefined;
  /** The Context given, or the Process class of the start method named (default: the default context's). */
  context: ProcessSource;
  /** `true`: in memory; a path: written when the pool ends; undefined: off. */
  trace: string | true | undefined;
}

/** Check and default the options of `new Pool()` (PoolOptions, pool.ts). */
export function normalizePoolOptions(options: unknown): NormalizedPoolOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null) typeError('options', 'an object', options);
  const o = options as Record<string, unknown>;
  const processes = o.processes === undefined ? availableParallelism() : normalizePositiveInteger('processes', o.processes);
  const initializer = normalizeFunction<AnyFunction>('initializer', o.initializer);
  if (o.initargs !== undefined && !Array.isArray(o.initargs)) typeError('initargs', 'an array', o.initargs);
  const maxTasksPerChild =
    o.maxTasksPerChild === undefined || o.maxTasksPerChild === null
      ? undefined
      : normalizePositiveInteger('maxTasksPerChild', o.maxTasksPerChild);
  let context: ProcessSource;
  if (o.context === undefined || o.context === null) context = processSourceFor();
  else if (typeof o.context === 'string') {
    if (!isStartMethod(o.context)) typeError('context', 'a start method name or a Context', o.context);
    context = processSourceFor(o.context);
  } else if (typeof o.context === 'object' && typeof (o.context as ProcessSource).getStartMethod === 'function')
    context = o.context as ProcessSource;
  else typeError('context', 'a start method name or a Context', o.context);
  const trace = normalizeTrace(o.trace);
  return { processes, initializer, initargs: [...((o.initargs as unknown[] | undefined) ?? [])], maxTasksPerChild, context, trace };
}

function normalizeTrace(value: unknown): string | true | undefined {
  if (value === undefined || value === null || value === false) return undefined;
  if (value === true) return true;
  if (typeof value !== 'string') typeError('trace', 'a file path or true', value);
  if (value.trim() === '') rangeError('trace', 'a non-empty file path or true', value);
  return resolve(value); // relative to the working directory of `new Pool()`, not of the write
}

/** Check the options of one call. */
export function normalizeCallOptions(options: unknown): NormalizedCallOptions {
  if (options === undefined)
    return { chunksize: undefined, signal: undefined, buffersize: undefined, cancelRunning: false, onProgress: undefined };
  if (typeof options !== 'object' || options === null) typeError('options', 'an object', options);
  const o = options as Record<string, unknown>;
  const chunksize = o.chunksize === undefined ? undefined : normalizePositiveInteger('chunksize', o.chunksize);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) typeError('signal', 'an AbortSignal', o.signal);
  const buffersize = o.buffersize === undefined ? undefined : normalizePositiveInteger('buffersize', o.buffersize);
  if (o.cancelRunning !== undefined && typeof o.cancelRunning !== 'boolean') typeError('cancelRunning', 'a boolean', o.cancelRunning);
  const onProgress = normalizeFunction<NonNullable<CallOptions['onProgress']>>('onProgress', o.onProgress);
  return { chunksize, signal: o.signal, buffersize, cancelRunning: o.cancelRunning === true, onProgress };
}

/** Checked per-call options. */
export interface NormalizedCallOptions {
  chunksize: number | undefined;
  signal: AbortSignal | undefined;
  buffersize: number | undefined;
  cancelRunning: boolean;
  onProgress: CallOptions['onProgress'];
}

/** Python's default chunksize for a known length: ceil(len / (4 * processes)). */
export function defaultChunksize(length: number, processes: number): number {
  return Math.max(1, Math.ceil(length / (4 * processes)));
}
