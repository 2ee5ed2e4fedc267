// The options of the cluster Pool and of a worker host, normalized in one place with the house
// message format.
import type { Redis as RedisClient } from 'ioredis';
import { resolve } from 'node:path';
import { availableParallelism } from '../current.ts';
import { normalizePositiveInteger, normalizeTimeout, rangeError, typeError } from '../options.ts';
import type { CallOptions } from '../pool/options.ts';
import type { RedisTarget } from './connection.ts';

/** Options of the cluster `new Pool()`. */
export interface ClusterPoolOptions {
  /** Where Redis is: a `redis://` URL, `{ path }` for a unix socket, or ioredis options (password, TLS …). */
  redis?: RedisTarget;
  /** An existing ioredis connection to use instead of `redis` (the Pool does not close it). */
  connection?: RedisClient;
  /** The BullMQ queue name the worker hosts serve. */
  queue: string;
  /** How many hosts a task may be started on when hosts die (at-least-once; default 3). */
  maxAttempts?: number;
  /** Every call rejects with a TimeoutError after this many ms (its queued tasks removed); a call's own `timeoutMs` wins. */
  timeoutMs?: number;
  /** Largest task or result, serialized, in bytes (default 64 MiB). */
  maxPayloadBytes?: number;
  /** How long a call waits for Redis (at submit, or after losing it) before a RedisConnectionError (default 30,000 ms). */
  connectTimeoutMs?: number;
  /** Worker processes expected over all hosts: only for map's default chunksize (default 8). */
  processes?: number;
}

/** Options of one call of the cluster Pool. */
export interface ClusterCallOptions extends CallOptions {
  /** This call rejects with a TimeoutError after this many ms (its queued tasks removed). */
  timeoutMs?: number;
}

/** Options of serveWorker() (and `multiproc worker`). */
export interface WorkerHostOptions {
  redis?: RedisTarget;
  connection?: RedisClient;
  queue: string;
  /** Worker processes (forkserver) = tasks run at once (default: availableParallelism(), as a Pool). */
  processes?: number;
  /** Where task modules are found: the submitter's paths are relative to its project root (default: cwd). */
  root?: string;
  /**
   * Tasks taken from Redis per process, the running ones included; 1: take only what runs.
   * Default: at least 4 (Celery's prefetch multiplier), more while tasks are shorter than a
   * hand-off to a worker process (two batches' worth, see pace.ts).
   */
  prefetch?: number;
  /** BullMQ lock of a running task, renewed while the host lives; a dead host's tasks are re-run after it (default 30,000 ms). */
  lockDurationMs?: number;
  /** How often this host looks for tasks of dead hosts (BullMQ's stalled-job check; default 30,000 ms). */
  stalledIntervalMs?: number;
  maxPayloadBytes?: number;
  connectTimeoutMs?: number;
}

export const DEFAULT_MAX_PAYLOAD = 64 * 1024 * 1024;
/** Tasks a host holds per process at least, when `prefetch` is not given. */
export const DEFAULT_PREFETCH = 4;

/** Normalized cluster Pool options. */
export interface NormalizedClusterOptions {
  redis: unknown;
  connection: unknown;
  queue: string;
  maxAttempts: number;
  timeoutMs: number | undefined;
  maxPayloadBytes: number;
  connectTimeoutMs: number;
  processes: number;
}

/** Check and default the options of the cluster `new Pool()`. */
export function normalizeClusterOptions(options: unknown): NormalizedClusterOptions {
  const o = common(options);
  return {
    redis: o.redis,
    connection: o.connection,
    queue: normalizeQueue(o.queue),
    maxAttempts: o.maxAttempts === undefined ? 3 : normalizePositiveInteger('maxAttempts', o.maxAttempts),
    timeoutMs: normalizeCallTimeout(o.timeoutMs),
    maxPayloadBytes: o.maxPayloadBytes === undefined ? DEFAULT_MAX_PAYLOAD : normalizePositiveInteger('maxPayloadBytes', o.maxPayloadBytes),
    connectTimeoutMs: normalizeTimeout('connectTimeoutMs', o.connectTimeoutMs) ?? 30_000,
    processes: o.processes === undefined ? 8 : normalizePositiveInteger('processes', o.processes),
  };
}

/** Normalized worker host options. */
export interface NormalizedHostOptions {
  redis: unknown;
  connection: unknown;
  queue: string;
  processes: number;
  root: string;
  /** undefined: adaptive (DEFAULT_PREFETCH at least). */
  prefetch: number | undefined;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxPayloadBytes: number;
  connectTimeoutMs: number;
}

/** Check and default the options of serveWorker(). */
export function normalizeHostOptions(options: unknown): NormalizedHostOptions {
  const o = common(options);
  if (o.root !== undefined && (typeof o.root !== 'string' || o.root === '')) typeError('root', 'a directory path', o.root);
  return {
    redis: o.redis,
    connection: o.connection,
    queue: normalizeQueue(o.queue),
    processes: o.processes === undefined ? availableParallelism() : normalizePositiveInteger('processes', o.processes),
    root: resolve(o.root ?? process.cwd()),
    prefetch: o.prefetch === undefined ? undefined : normalizePositiveInteger('prefetch', o.prefetch),
    lockDurationMs: o.lockDurationMs === undefined ? 30_000 : normalizePositiveInteger('lockDurationMs', o.lockDurationMs),
    stalledIntervalMs: o.stalledIntervalMs === undefined ? 30_000 : normalizePositiveInteger('stalledIntervalMs', o.stalledIntervalMs),
    maxPayloadBytes: o.maxPayloadBytes === undefined ? DEFAULT_MAX_PAYLOAD : normalizePositiveInteger('maxPayloadBytes', o.maxPayloadBytes),
    connectTimeoutMs: normalizeTimeout('connectTimeoutMs', o.connectTimeoutMs) ?? 30_000,
  };
}

/** Longest timer Node keeps (a longer one fires at once, with a warning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A call's own timeout, if any (throws for a bad one). */
export function callTimeout(options: unknown): number | undefined {
  if (options === undefined || options === null || typeof options !== 'object') return undefined;
  return normalizeCallTimeout((options as { timeoutMs?: unknown }).timeoutMs);
}

// Infinity: none.
function normalizeCallTimeout(value: unknown): number | undefined {
  const ms = normalizeTimeout('timeoutMs', value);
  if (ms === Infinity) return undefined;
  if (ms !== undefined && ms > MAX_TIMER_MS)
    rangeError('timeoutMs', `at most ${MAX_TIMER_MS} ms (about 24.8 days), or Infinity for none`, ms);
  return ms;
}

function common(options: unknown): Record<string, unknown> {
  if (typeof options !== 'object' || options === null)
    typeError('options', 'an object with `queue` and `redis` (or `connection`)', options);
  const o = options as Record<string, unknown>;
  if (o.redis === undefined && o.connection === undefined)
    typeError('redis', 'a redis:// URL, { path } or ioredis options (or pass `connection`)', o.redis);
  return o;
}

function normalizeQueue(value: unknown): string {
  if (typeof value !== 'string') typeError('queue', 'a queue name (a non-empty string)', value);
  if (value === '' || value.includes(':')) rangeError('queue', 'a non-empty queue name without `:`', value);
  return value;
}
