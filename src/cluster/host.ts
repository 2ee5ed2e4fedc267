// A worker host: serves a BullMQ queue, running each task (one chunk) in a local multiproc Pool
// of forkserver workers, so a crashing task never takes the host down. A host that dies holding
// tasks leaves them locked; BullMQ's stalled-job check (on any host) puts them back in the queue,
// and the next host to start one sees how many starts it had (at-least-once, up to maxAttempts).
import { hostname } from 'node:os';
import type { Job, Worker } from 'bullmq';
import { WorkerLostError } from '../errors.ts';
import { unpack, pack } from '../pool/packing.ts';
import { Pool as LocalPool } from '../pool/pool.ts';
import { toWireError } from '../pool/remote-error.ts';
import { loadEngine } from './bullmq.ts';
import { openRedis, whenReady, type RedisLink } from './connection.ts';
import { normalizeHostOptions, type NormalizedHostOptions, type WorkerHostOptions } from './options.ts';
import { Slots } from './slots.ts';
import { cancelChannel, EndedCalls } from './cancels.ts';
import { TaskFunctions } from './task-functions.ts';
import { decode, encode, WIRE_VERSION, type JobData, type ResultPayload, type TaskPayload } from './wire.ts';

/** Counts of a host's tasks since it started. */
export interface HostStats {
  done: number;
  running: number;
  failed: number;
}

/** A running worker host (serveWorker()). */
export interface WorkerHost {
  /** `hostname:pid`, as named in errors of the tasks it ran. */
  readonly name: string;
  /** The queue it serves. */
  readonly queue: string;
  /** Its local Pool's worker pids. */
  readonly pids: number[];
  readonly stats: Readonly<HostStats>;
  /**
   * Stop taking tasks, finish the running ones, then end the local Pool and the connection.
   * `force`: hand the running ones back now (they run again elsewhere).
   */
  close(options?: { force?: boolean }): Promise<void>;
}

type AnyFunction = (...args: unknown[]) => unknown;

/** Serve `queue` on Redis with `processes` local workers until close(); resolves once connected. */
export async function serveWorker(options: WorkerHostOptions): Promise<WorkerHost> {
  const o = normalizeHostOptions(options);
  const { bullmq } = loadEngine();
  const link = openRedis(o.redis, o.connection);
  link.client.on('error', () => undefined); // reconnections are ioredis's; the wait below reports an unreachable server
  try {
    await whenReady(link, o.connectTimeoutMs, `serve queue '${o.queue}'`);
  } catch (error) {
    link.client.disconnect();
    throw error;
  }
  const name = `${hostname()}:${process.pid}`;
  const pool = new LocalPool({ processes: o.processes, context: 'forkserver' });
  const functions = new TaskFunctions(o.root, name);
  const stats: HostStats = { done: 0, running: 0, failed: 0 };
  const slots = new Slots(o.processes);
  const run = async (job: Job<JobData>, token?: string, signal?: AbortSignal) => {
    const id = job.id ?? '';
    if (ended.ended(id)) throw new bullmq.UnrecoverableError(skipped(id));
    ended.hold(id);
    try {
      const outcome = await slots.take(signal);
      if (outcome === 'run') return await runJob(job, { pool, functions, options: o, name, stats, slots });
      if (outcome === 'cancelled') throw new bullmq.UnrecoverableError(skipped(id));
      await handBack(job, token, worker, link);
      throw new bullmq.WaitingError();
    } finally {
      ended.release(id);
    }
  };
  const worker: Worker = new bullmq.Worker(o.queue, run, {
    connection: link.client,
    // A host takes `prefetch` tasks per process: the next one is here when a process is free
    // (see slots.ts); graceful shutdown hands back those not started.
    concurrency: o.processes * o.prefetch,
    lockDuration: o.lockDurationMs,
    stalledInterval: o.stalledIntervalMs,
    // Starts are counted per task against the submitter's maxAttempts (runJob), not here.
    maxStalledCount: Number.MAX_SAFE_INTEGER,
  });
  worker.on('error', () => undefined); // lost connections: BullMQ reconnects; a lost task's lock lets it run elsewhere
  const ended = new EndedCalls(link.client, worker, cancelChannel(worker.toKey));
  await Promise.all([worker.waitUntilReady(), ended.ready()]);
  let closing: Promise<void> | null = null;
  return {
    name,
    queue: o.queue,
    get pids() {
      return pool.pids;
    },
    stats,
    close(closeOptions = {}) {
      const force = closeOptions.force === true;
      if (closing !== null && !force) return closing;
      closing = shutdown(worker, pool, link, slots, force).finally(() => ended.close());
      return closing;
    },
  };
}

async function shutdown(worker: Worker, pool: LocalPool, link: RedisLink, slots: Slots, force: boolean): Promise<void> {
  slots.handBack();
  if (!force && link.client.status === 'ready') {
    // Graceful, unless Redis goes away meanwhile (then nothing could be reported: as forced).
    let onLost = (): void => undefined;
    const lost = new Promise<'lost'>((resolve) => (onLost = () => resolve('lost')));
    link.client.once('close', onLost);
    const graceful = (async () => {
      await worker.close();
      pool.close();
      await pool.join();
      return 'done' as const;
    })();
    const how = await Promise.race([graceful, lost]);
    link.client.off('close', onLost);
    if (how === 'done') {
      if (!link.borrowed) await link.client.quit().catch(() => link.client.disconnect());
      return;
    }
  }
  // Forced, or Redis is gone (nothing can be reported; BullMQ's close would wait for it): the
  // running tasks' locks expire and they run elsewhere.
  void worker.close(true).catch(() => undefined);
  blockingClientOf(worker)?.disconnect();
  if (!link.borrowed) link.client.disconnect();
  await pool.terminate();
}

// The Worker's own blocking connection (BullMQ keeps it in `blockingConnection._client`), so
// that a host whose Redis is gone stops reconnecting; undefined if BullMQ changed that.
function blockingClientOf(worker: Worker): { disconnect(): void } | undefined {
  const connection = (worker as unknown as { blockingConnection?: { _client?: { disconnect?: unknown } } }).blockingConnection;
  const client = connection?._client;
  return typeof client?.disconnect === 'function' ? (client as { disconnect(): void }) : undefined;
}

const skipped = (id: string) => `Task ${id} was not run: its call ended (a task's error, abort, timeout or terminate) before it started.`;

// A task taken but not started goes back to the front of the queue for another host. Its start
// is not counted (BullMQ counted it when this host took it): a handed-back task has not run.
async function handBack(job: Job<JobData>, token: string | undefined, worker: Worker, link: RedisLink): Promise<void> {
  if (job.id === undefined) return;
  await link.client.hincrby(worker.toKey(job.id), 'ats', -1);
  await job.moveToWait(token);
}

interface HostParts {
  pool: LocalPool;
  functions: TaskFunctions;
  options: NormalizedHostOptions;
  name: string;
  stats: HostStats;
  slots: Slots;
}

// One task: its function, its items through the local Pool as one chunk; the outcome as data
// (a task's error is a result, not a BullMQ failure: it must not be retried).
async function runJob(job: Job<JobData>, { pool, functions, options, name, stats, slots }: HostParts): Promise<string> {
  stats.running++;
  let result: ResultPayload;
  try {
    result = await outcome(job, pool, functions, name);
  } finally {
    stats.running--;
    slots.release();
  }
  if (result.ok) stats.done++;
  else stats.failed++;
  try {
    return encode(result, options.maxPayloadBytes, `The result of task ${job.id ?? '?'}`);
  } catch (error) {
    return encode({ v: WIRE_VERSION, host: name, ok: false, error: toWireError(error) }, Number.MAX_SAFE_INTEGER, 'an error');
  }
}

async function outcome(job: Job<JobData>, pool: LocalPool, functions: TaskFunctions, name: string): Promise<ResultPayload> {
  const fail = (error: unknown): ResultPayload => ({ v: WIRE_VERSION, host: name, ok: false, error: toWireError(error) });
  let task: TaskPayload;
  try {
    task = decode<TaskPayload>(job.data.p);
  } catch (error) {
    return fail(error);
  }
  if (task.v !== WIRE_VERSION)
    return fail(
      new Error(
        `Task ${job.id ?? '?'} was sent by a multiproc speaking version ${task.v} of the cluster protocol; ` +
          `this host (${name}) speaks ${WIRE_VERSION}: run the same multiproc version everywhere.`,
      ),
    );
  // attemptsStarted counts this start: the starts before it were on hosts lost while running it.
  if (job.attemptsStarted > task.maxAttempts) {
    const lost = job.attemptsStarted - 1;
    return fail(
      new WorkerLostError(
        `Task ${job.id ?? '?'} (${task.fn.display}) was started on ${lost} worker host(s), each lost (killed or cut off from Redis) ` +
          `before it finished; maxAttempts is ${task.maxAttempts}. Task functions should be idempotent: a lost host's task runs again elsewhere.`,
      ),
    );
  }
  let fn: AnyFunction;
  try {
    fn = await functions.get(task.fn);
  } catch (error) {
    return fail(error);
  }
  try {
    const items = Array.isArray(task.items) ? task.items : unpack(task.items);
    const values = task.star
      ? await pool.starmap(fn, items as unknown[][], { chunksize: items.length })
      : await pool.map(fn, items, { chunksize: Math.max(1, items.length) });
    return { v: WIRE_VERSION, host: name, ok: true, values: pack(values) };
  } catch (error) {
    return fail(error);
  }
}
