// The cluster Pool's worker layer: each task (chunk) becomes a BullMQ job on the queue; worker
// hosts run them; the outcome comes back as the job's return value, read from the queue's event
// stream (QueueEvents). Job ids carry this pool's id, so submitters sharing a queue never take
// each other's results, and a result for a call that ended is dropped.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Queue, QueueEvents } from 'bullmq';
import { ProcessError, TimeoutError, WorkerLostError } from '../errors.ts';
import type { Call } from '../pool/call.ts';
import { pack, unpack } from '../pool/packing.ts';
import { fromWireError } from '../pool/remote-error.ts';
import type { CallHooks, WorkerLayer } from '../pool/worker-layer.ts';
import { loadEngine } from './bullmq.ts';
import { openRedis, unreachable, whenReady, type RedisLink } from './connection.ts';
import { cancelChannel, publishEnded } from './cancels.ts';
import { closeSettled, ownConnectionOf } from './settle.ts';
import { callTimeout, type NormalizedClusterOptions } from './options.ts';
import { routeOf, type TaskRoute } from './route.ts';
import { TaskImportError } from './task-functions.ts';
import { decode, encode, WIRE_VERSION, type JobData, type ResultPayload } from './wire.ts';

type AnyFunction = (...args: never[]) => unknown;

/** A job this pool added and has no outcome for yet. */
interface Outstanding {
  call: Call;
  index: number;
  start: number;
  count: number;
  job: { name: string; data: JobData; opts: { jobId: string; removeOnComplete: true; removeOnFail: true } };
}

/** Tasks run by worker hosts through a BullMQ queue. */
export class RedisWorkers implements WorkerLayer<TaskRoute> {
  readonly processes: number;
  readonly broken: Error | null = null;
  readonly #options: NormalizedClusterOptions;
  readonly #hooks: CallHooks;
  readonly #id = randomUUID().slice(0, 12);
  readonly #submitter = `${hostname()}:${process.pid}`;
  readonly #link: RedisLink;
  /** The queue, made once the connection is ready (settle.ts says why). */
  #queue: Queue | null = null;
  #events: QueueEvents | null = null;
  /** Ends the wait for a connection when the pool closes first. */
  readonly #stopStart = new AbortController();
  /** Resolves once Redis is ready and the event stream is read (null: not asked yet, or failed). */
  #ready: Promise<void> | null = null;
  readonly #outstanding = new Map<string, Outstanding>();
  readonly #byCall = new Map<Call, { jobs: Set<string>; timer: NodeJS.Timeout | undefined }>();
  #unsent: Outstanding[] = [];
  #flushQueued = false;
  #lostTimer: NodeJS.Timeout | undefined;
  #lastError: Error | undefined;
  #closing: Promise<void> | null = null;
  /** Removals of a failed call's jobs still under way (closing waits for them). */
  readonly #removals = new Set<Promise<unknown>>();

  constructor(options: NormalizedClusterOptions, hooks: CallHooks) {
    this.#options = options;
    this.#hooks = hooks;
    this.processes = options.processes;
    this.#link = openRedis(options.redis, options.connection);
    const client = this.#link.client;
    client.on('error', this.#onError);
    client.on('close', this.#onLost);
    client.on('ready', this.#onReady);
  }

  get pending(): number {
    return this.#unsent.length;
  }

  get busy(): boolean {
    return this.#outstanding.size > 0;
  }

  route(fn: AnyFunction): TaskRoute {
    return routeOf(fn);
  }

  begin(): void {
    if (this.#ready !== null) return;
    this.#ready = this.#start();
    this.#ready.catch(() => undefined); // reported by the flush that waits for it (a call may end before any)
  }

  callStarted(call: Call, options: unknown): void {
    let timeoutMs: number | undefined;
    try {
      timeoutMs = callTimeout(options) ?? this.#options.timeoutMs;
    } catch (error) {
      this.#byCall.set(call, { jobs: new Set(), timer: undefined });
      call.fail(error); // a bad `timeoutMs` rejects the call, which leaves the pool as it came
      return;
    }
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            call.fail(
              new TimeoutError(
                `Pool.${call.what} did not finish within ${timeoutMs} ms (\`timeoutMs\`); ` +
                  `its tasks not started yet were removed from queue '${this.#options.queue}'.`,
              ),
            );
          }, timeoutMs);
    this.#byCall.set(call, { jobs: new Set(), timer });
  }

  callEnded(call: Call): void {
    const entry = this.#byCall.get(call);
    if (entry === undefined) return;
    this.#byCall.delete(call);
    clearTimeout(entry.timer);
    if (entry.jobs.size === 0) return;
    // A failed call's tasks need not run: remove those queued, and tell the hosts to skip those
    // they took (cancels.ts). A running one finishes; its result is dropped.
    this.#unsent = this.#unsent.filter((task) => task.call !== call);
    this.#ended(call);
    for (const id of entry.jobs) {
      this.#outstanding.delete(id);
      this.#remove(id);
    }
    this.#hooks.checkIdle();
  }

  enqueue(call: Call, route: TaskRoute, index: number, start: number, items: unknown[]): void {
    let text: string;
    try {
      const payload = {
        v: WIRE_VERSION,
        fn: route,
        star: call.star,
        items: call.star ? items : pack(items),
        maxAttempts: this.#options.maxAttempts,
        submitter: this.#submitter,
      };
      text = encode(payload, this.#options.maxPayloadBytes, `The task of items ${start}..${start + items.length - 1} of Pool.${call.what}`);
    } catch (error) {
      call.fail(error, index);
      return;
    }
    const jobId = `${this.#id}.${call.id}.${index}`;
    const task: Outstanding = {
      call,
      index,
      start,
      count: items.length,
      job: { name: route.exportName, data: { p: text }, opts: { jobId, removeOnComplete: true, removeOnFail: true } },
    };
    this.#outstanding.set(jobId, task);
    this.#byCall.get(call)?.jobs.add(jobId);
    this.#unsent.push(task);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => void this.#flush());
    }
  }

  // Add the tasks waiting to be sent, in one round trip.
  async #flush(): Promise<void> {
    this.#flushQueued = false;
    this.begin();
    try {
      await this.#ready;
    } catch (error) {
      this.#ready = null; // a later call tries again
      this.#failOutstanding(error as Error);
      return;
    }
    const tasks = this.#unsent.splice(0);
    if (tasks.length === 0 || this.#queue === null) return;
    try {
      await this.#queue.addBulk(tasks.map((task) => task.job));
    } catch (error) {
      for (const task of tasks)
        task.call.fail(
          new ProcessError(
            `Could not add the tasks of Pool.${task.call.what} to queue '${this.#options.queue}' at ${this.#link.where}: ${(error as Error).message}`,
            { cause: error },
          ),
          task.index,
        );
    }
  }

  // Connect; then make the queue, and start reading its events from the last one there now
  // (none is missed). Each BullMQ part is made on a ready connection and only while the pool is
  // open (#close sees every part made), so that none is closed with its setup pending (settle.ts).
  async #start(): Promise<void> {
    const doing = `submit to queue '${this.#options.queue}'`;
    await whenReady(this.#link, this.#options.connectTimeoutMs, doing, this.#stopStart.signal);
    const { bullmq } = loadEngine();
    const client = this.#link.client;
    const closed = () => unreachable(this.#link, doing, undefined, 'the pool closed first');
    if (this.#closing !== null) throw closed();
    const queue = new bullmq.Queue(this.#options.queue, { connection: client });
    queue.on('error', this.#onError);
    this.#queue = queue;
    await queue.waitUntilReady();
    const last = await client.xrevrange(queue.keys.events ?? `bull:${this.#options.queue}:events`, '+', '-', 'COUNT', 1);
    const lastEventId = last[0]?.[0] ?? '0-0';
    if (this.#closing !== null) throw closed();
    const events = new bullmq.QueueEvents(this.#options.queue, { connection: client, lastEventId });
    events.on('error', this.#onError);
    events.on('completed', ({ jobId, returnvalue }) => this.#completed(jobId, returnvalue));
    events.on('failed', ({ jobId, failedReason }) => this.#failed(jobId, failedReason));
    this.#events = events;
    await events.waitUntilReady();
  }

  #completed(jobId: string, returnvalue: unknown): void {
    const task = this.#outstanding.get(jobId);
    if (task === undefined || typeof returnvalue !== 'string') return;
    this.#outstanding.delete(jobId);
    this.#byCall.get(task.call)?.jobs.delete(jobId);
    const { call } = task;
    let result: ResultPayload;
    try {
      result = decode<ResultPayload>(returnvalue);
    } catch (error) {
      call.fail(
        new ProcessError(`The result of task ${jobId} could not be read: ${(error as Error).message}`, { cause: error }),
        task.index,
      );
      return;
    }
    if (result.ok) call.deliver(task.index, unpack(result.values));
    else {
      let error = fromWireError(result.error, `Pool.${call.what} on worker host ${result.host}`);
      if (result.error.name === 'TaskImportError') {
        const typed = new TaskImportError(result.error.message);
        if (error.stack !== undefined) typed.stack = error.stack;
        error = typed;
      }
      Object.defineProperty(error, 'host', { value: result.host, enumerable: true, configurable: true, writable: true });
      call.fail(error, task.index);
    }
    this.#hooks.settled(call);
  }

  // BullMQ failed the job itself (a host with its own stalled-job limit gave up on it).
  #failed(jobId: string, reason: string): void {
    const task = this.#outstanding.get(jobId);
    if (task === undefined) return;
    this.#outstanding.delete(jobId);
    this.#byCall.get(task.call)?.jobs.delete(jobId);
    const what = `task ${jobId} (Pool.${task.call.what}, items ${task.start}..${task.start + task.count - 1})`;
    task.call.fail(new WorkerLostError(`The ${what} failed in queue '${this.#options.queue}': ${reason}.`), task.index);
    this.#hooks.settled(task.call);
  }

  readonly #onError = (error: Error): void => {
    this.#lastError = error;
  };

  // The connection dropped: tasks wait for it to come back, up to connectTimeoutMs.
  readonly #onLost = (): void => {
    if (this.#closing !== null || this.#lostTimer !== undefined) return;
    this.#lostTimer = setTimeout(() => {
      this.#lostTimer = undefined;
      if (this.#link.client.status === 'ready') return;
      this.#failOutstanding(
        unreachable(
          this.#link,
          `finish the calls on queue '${this.#options.queue}'`,
          this.#lastError,
          `lost for ${this.#options.connectTimeoutMs} ms`,
        ),
      );
    }, this.#options.connectTimeoutMs);
  };

  // Back after a loss: add every outstanding task again under its id. Redis ignores those it
  // still has; a restarted Redis without persistence lost them, and they run (again).
  readonly #onReady = (): void => {
    clearTimeout(this.#lostTimer);
    this.#lostTimer = undefined;
    if (this.#closing !== null || this.#queue === null) return;
    const queue = this.#queue;
    const sent = new Set(this.#unsent);
    const jobs = [...this.#outstanding.values()].filter((task) => !sent.has(task)).map((task) => task.job);
    if (jobs.length > 0) void queue.addBulk(jobs).catch((error: unknown) => this.#onError(error as Error));
  };

  // Hosts holding tasks of `call` skip them (if the tasks were ever sent).
  #ended(call: Call): void {
    if (this.#queue === null) return;
    this.#track(publishEnded(this.#link.client, cancelChannel(this.#queue.toKey), `${this.#id}.${call.id}.`));
  }

  #track(work: Promise<unknown>): void {
    this.#removals.add(work);
    void work.finally(() => this.#removals.delete(work));
  }

  // Remove a job not started (a running one is locked and stays; its result is dropped).
  #remove(id: string): void {
    if (this.#queue === null) return; // nothing was sent
    this.#track(this.#queue.remove(id).catch(() => 0));
  }

  #failOutstanding(error: Error): void {
    const calls = new Set([...this.#outstanding.values()].map((task) => task.call));
    for (const call of calls) call.fail(error);
  }

  release(): void {
    this.#closing ??= this.#close();
  }

  terminate(): void {
    for (const call of new Set([...this.#outstanding.values()].map((task) => task.call))) this.#ended(call);
    for (const id of this.#outstanding.keys()) this.#remove(id);
    this.#outstanding.clear();
    this.#unsent = [];
    this.#closing ??= this.#close();
  }

  ended(): Promise<void> {
    return this.#closing ?? Promise.resolve();
  }

  async #close(): Promise<void> {
    clearTimeout(this.#lostTimer);
    for (const entry of this.#byCall.values()) clearTimeout(entry.timer);
    this.#stopStart.abort();
    const client = this.#link.client;
    const parts = [this.#events, this.#queue].filter((part) => part !== null);
    if (client.status !== 'ready') {
      // Without a server there is nothing to finish: a QUIT would wait for a reconnection forever
      // (BullMQ's close() and disconnect() wait for a ready connection first). Ending the
      // connections lets a pending setup fail, to our listeners, before its part is closed.
      if (this.#events !== null) ownConnectionOf(this.#events)?.disconnect();
      if (!this.#link.borrowed) client.disconnect();
      for (const part of parts) void closeSettled(part);
      return;
    }
    while (this.#removals.size > 0) await Promise.all([...this.#removals]);
    for (const part of parts) await closeSettled(part);
    if (!this.#link.borrowed) await client.quit().catch(() => client.disconnect());
  }
}
