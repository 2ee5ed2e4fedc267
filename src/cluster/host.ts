// A worker host: serves a BullMQ queue, running its tasks (one chunk each) in a local multiproc
// Pool of forkserver workers, so a crashing task never takes the host down; tiny tasks go to a
// worker process several at a time (batches.ts). A host that dies holding
// tasks leaves them locked; BullMQ's stalled-job check (on any host) puts them back in the queue,
// and the next host to start one sees how many starts it had (at-least-once, up to maxAttempts).
import { hostname } from 'node:os';
import type { Job, Worker } from 'bullmq';
import { forkserverMethod } from '../launcher/forkserver.ts';
import { Pool as LocalPool } from '../pool/pool.ts';
import { encodeError, runTaskBatch } from './batch-runner.ts';
import { Batches } from './batches.ts';
import { loadEngine } from './bullmq.ts';
import { cancelChannel, EndedCalls } from './cancels.ts';
import { openRedis, unreachable, whenReady, type RedisLink } from './connection.ts';
import { prepareJob } from './host-jobs.ts';
import { DEFAULT_PREFETCH, normalizeHostOptions, type WorkerHostOptions } from './options.ts';
import { Pace } from './pace.ts';
import { closeSettled } from './settle.ts';
import { TaskFunctions } from './task-functions.ts';
import type { JobData } from './wire.ts';

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
  /** Its Redis, as `redis://host:port` or `unix:/path` (never a password). */
  readonly where: string;
  /** Its local Pool's worker pids. */
  readonly pids: number[];
  readonly stats: Readonly<HostStats>;
  /**
   * Stop taking tasks, finish the running ones, then end the local Pool and the connection.
   * `force`: hand the running ones back now (they run again elsewhere).
   */
  close(options?: { force?: boolean }): Promise<void>;
}

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
  const pace = new Pace();
  const batches = new Batches(o.processes, (entries) => pool.apply(runTaskBatch, [entries, name, o.maxPayloadBytes]), pace);
  const stats: HostStats = {
    done: 0,
    failed: 0,
    get running() {
      return batches.running;
    },
  };
  // The fork server imports each task module once, before it forks its next workers: the first
  // ones (started by the first batch) and any replacement start with it loaded, rather than
  // each compiling it after the fork (as the local Pool preloads its first call's module).
  const preloaded = new Set<string>();
  const preload = (url: string) => {
    if (preloaded.has(url)) return;
    preloaded.add(url);
    try {
      forkserverMethod.preload?.([url]);
    } catch {
      // no fork server: the local Pool's start reports it
    }
  };
  const count = (ok: boolean) => (ok ? stats.done++ : stats.failed++);
  const run = async (job: Job<JobData>, token?: string, signal?: AbortSignal): Promise<string> => {
    const id = job.id ?? '';
    if (ended.ended(id)) throw new bullmq.UnrecoverableError(skipped(id));
    const held = await prepareJob(job, functions, o.root, name);
    if (typeof held === 'string') {
      count(false);
      return held;
    }
    preload(held.entry.ref.url);
    ended.hold(id);
    try {
      const outcome = await batches.submit(held, signal);
      if (outcome === 'cancelled') throw new bullmq.UnrecoverableError(skipped(id));
      if (outcome === 'handBack') {
        await handBack(job, token, worker, link);
        throw new bullmq.WaitingError();
      }
      if ('error' in outcome) {
        count(false);
        return encodeError(outcome.error, name);
      }
      count(outcome.ok);
      if (o.prefetch === undefined) worker.concurrency = o.processes * Math.max(DEFAULT_PREFETCH, 2 * pace.batchSize(held.key, held.items));
      return outcome.result;
    } finally {
      ended.release(id);
    }
  };
  const worker: Worker = new bullmq.Worker(o.queue, run, {
    connection: link.client,
    // A host holds more tasks than it runs: the next ones are here when a process frees, and
    // tiny ones travel to it in batches (batches.ts, pace.ts); graceful shutdown hands back
    // those not started.
    concurrency: o.processes * (o.prefetch ?? DEFAULT_PREFETCH),
    lockDuration: o.lockDurationMs,
    stalledInterval: o.stalledIntervalMs,
    // Starts are counted per task against the submitter's maxAttempts (host-jobs.ts), not here.
    maxStalledCount: Number.MAX_SAFE_INTEGER,
  });
  worker.on('error', () => undefined); // lost connections: BullMQ reconnects; a lost task's lock lets it run elsewhere
  const ended = new EndedCalls(link.client, worker, cancelChannel(worker.toKey));
  try {
    // Redis going away now would leave these waiting for it forever (BullMQ retries commands).
    await within(Promise.all([worker.waitUntilReady(), ended.ready()]), o.connectTimeoutMs, () =>
      unreachable(link, `serve queue '${o.queue}'`, undefined, `its worker not ready after ${o.connectTimeoutMs} ms`),
    );
  } catch (error) {
    ended.close();
    blockingClientOf(worker)?.disconnect();
    if (!link.borrowed) link.client.disconnect();
    void closeSettled(worker, true); // once its setup failed, to its listener (settle.ts)
    await pool.terminate();
    throw error;
  }
  let closing: Promise<void> | null = null;
  return {
    name,
    queue: o.queue,
    where: link.where,
    get pids() {
      return pool.pids;
    },
    stats,
    close(closeOptions = {}) {
      const force = closeOptions.force === true;
      if (closing !== null && !force) return closing;
      closing = shutdown(worker, pool, link, batches, force).finally(() => ended.close());
      return closing;
    },
  };
}

async function shutdown(worker: Worker, pool: LocalPool, link: RedisLink, batches: Batches, force: boolean): Promise<void> {
  batches.handBack();
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
  void closeSettled(worker, true);
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

// `work`, or `late()` thrown after `ms` without it.
async function within<T>(work: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(late()), ms)));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const skipped = (id: string) => `Task ${id} was not run: its call ended (a task's error, abort, timeout or terminate) before it started.`;

// A task taken but not started goes back to the front of the queue for another host. Its start
// is not counted (BullMQ counted it when this host took it): a handed-back task has not run.
async function handBack(job: Job<JobData>, token: string | undefined, worker: Worker, link: RedisLink): Promise<void> {
  if (job.id === undefined) return;
  await link.client.hincrby(worker.toKey(job.id), 'ats', -1);
  await job.moveToWait(token);
}
