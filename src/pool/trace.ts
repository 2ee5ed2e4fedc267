// A Pool's run as Chrome Trace Event Format JSON (Perfetto, chrome://tracing): one track per
// worker with its start-up, its tasks (worker-measured), its idle waits, and its end as an
// instant event. Every time is CLOCK_MONOTONIC (process.hrtime), one clock for every process on
// Linux, so the workers' own times need no translation; the trace counts microseconds from the
// pool's creation. Only a pool created with `trace` allocates one of these.
import { writeFileSync } from 'node:fs';

/** One Chrome trace event (the subset a Pool writes). */
export interface TraceEvent {
  name: string;
  /** `M` metadata, `X` complete slice, `i` instant, `b`/`e` begin/end of an async slice (a call). */
  ph: 'M' | 'X' | 'i' | 'b' | 'e';
  /** Microseconds since the pool was created. */
  ts: number;
  /** `X` only: microseconds. */
  dur?: number;
  /** The parent process's pid. */
  pid: number;
  /** 0: the pool's own track; N ≥ 1: worker N (in start order, replacements included). */
  tid: number;
  cat?: string;
  /** `i` only: `t`, an instant on its track. */
  s?: 't';
  /** `b`/`e` only: the call's number. */
  id?: number;
  args?: Record<string, unknown>;
}

/** What `pool.trace()` returns and `writeTrace()` writes: Chrome's JSON object format. */
export interface TraceDocument {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  /** `startTime`: the wall-clock time (ISO 8601) of ts 0; `startMethod`; `processes`. */
  otherData: Record<string, string | number>;
}

/** What a worker reports about one finished task, for its slice. */
export interface TaskSlice {
  name: string;
  start: number;
  end: number;
  args: Record<string, unknown>;
}

// Idle waits shorter than this are left out: the next batch was already in the pipe.
const MIN_IDLE_US = 50;

/** Microseconds on CLOCK_MONOTONIC (the same clock in every process of the machine). */
export function monotonicMicros(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1e6 + nanoseconds / 1e3;
}

/** The recording of one pool's run. */
export class PoolTrace {
  readonly #origin = monotonicMicros();
  readonly #wallOrigin = Date.now();
  readonly #pid = process.pid;
  readonly #events: TraceEvent[] = [];
  readonly #otherData: Record<string, string | number>;
  readonly #calls = new Map<number, string>();

  constructor(startMethod: string, processes: number) {
    this.#otherData = { startMethod, processes };
    this.#push({
      name: 'process_name',
      ph: 'M',
      ts: 0,
      pid: this.#pid,
      tid: 0,
      args: { name: `multiproc Pool (pid ${this.#pid}, ${startMethod})` },
    });
    this.#push({ name: 'thread_name', ph: 'M', ts: 0, pid: this.#pid, tid: 0, args: { name: 'pool' } });
    this.#push({ name: 'thread_sort_index', ph: 'M', ts: 0, pid: this.#pid, tid: 0, args: { sort_index: 0 } });
  }

  /**
   * Worker `n` was started: `at` before Process.start(), `returned` when it returned (the parent
   * waited that long for the start method's answer); `replaces`: the worker it replaces.
   */
  workerStarted(n: number, pid: number, at: number, returned: number, replaces: { worker: number; reason: string } | undefined): void {
    const tid = n;
    this.#push({ name: 'thread_name', ph: 'M', ts: 0, pid: this.#pid, tid, args: { name: `worker ${n} (pid ${pid})` } });
    this.#push({ name: 'thread_sort_index', ph: 'M', ts: 0, pid: this.#pid, tid, args: { sort_index: n } });
    if (replaces !== undefined)
      this.#instant('replacement', 'worker', at, tid, { pid, replaces: replaces.worker, reason: replaces.reason });
    this.#slice('start()', 'start-up', at, returned, tid, {
      pid,
      note: 'the parent in Process.start(), until the start method gave the pid',
    });
  }

  /** Worker `n` reported its start-up: `entry` when its code began, `ready` after the initializer. */
  workerReady(n: number, started: number, entry: number, ready: number, pid: number): void {
    this.#slice('start-up', 'start-up', started, Math.max(started, entry), n, { pid, note: 'Process.start() until the worker code runs' });
    if (ready > entry) this.#slice('initializer', 'start-up', entry, ready, n, { pid });
  }

  /** Worker `n` waited for work from `from` to `to` (its own clock). */
  idle(n: number, from: number, to: number): void {
    if (to - from >= MIN_IDLE_US) this.#slice('idle', 'idle', from, to, n);
  }

  /** One task (chunk) ran on worker `n`. */
  task(n: number, slice: TaskSlice): void {
    this.#slice(slice.name, 'task', slice.start, slice.end, n, slice.args);
  }

  /** A task worker `n` was running when it died: from when it may have started until the death was noticed. */
  lostTask(n: number, slice: TaskSlice): void {
    this.#slice(`${slice.name} (lost)`, 'task', slice.start, slice.end, n, slice.args);
  }

  /** Worker `n` ended: `died` (it was not asked to) or exited (stopped, recycled, terminated). */
  workerEnded(n: number, at: number, died: boolean, args: Record<string, unknown>): void {
    this.#instant(died ? 'worker died' : 'worker exited', 'worker', at, n, args);
  }

  /** A call (map, imap, apply …) began: an async slice on the pool's track until callEnded(). */
  callStarted(id: number, name: string): void {
    this.#calls.set(id, name);
    this.#push({ name, cat: 'call', ph: 'b', id, ts: this.#at(monotonicMicros()), pid: this.#pid, tid: 0, args: { call: id } });
  }

  /** A call settled (all its results arrived, or it failed). */
  callEnded(id: number, failed: boolean): void {
    const name = this.#calls.get(id);
    if (name === undefined) return;
    this.#calls.delete(id);
    this.#push({ name, cat: 'call', ph: 'e', id, ts: this.#at(monotonicMicros()), pid: this.#pid, tid: 0, args: { failed } });
  }

  /** An event of the pool itself (close(), terminate(), a failed initializer). */
  poolEvent(name: string, args: Record<string, unknown> = {}): void {
    this.#instant(name, 'pool', monotonicMicros(), 0, args);
  }

  /** The trace so far, as Chrome's JSON object format (a copy; metadata first, then by time). */
  document(): TraceDocument {
    const events = this.#events.map((event) => ({ ...event }));
    events.sort((a, b) => (a.ph === 'M' ? -1 : a.ts) - (b.ph === 'M' ? -1 : b.ts));
    return {
      traceEvents: events,
      displayTimeUnit: 'ms',
      otherData: { ...this.#otherData, startTime: new Date(this.#wallOrigin).toISOString() },
    };
  }

  /** Write the trace so far to `path` as JSON (synchronously: no libuv pool threads in a process that may fork). */
  write(path: string): void {
    writeFileSync(path, JSON.stringify(this.document()) + '\n');
  }

  #slice(name: string, cat: string, start: number, end: number, tid: number, args?: Record<string, unknown>): void {
    const ts = this.#at(start);
    const event: TraceEvent = { name, cat, ph: 'X', ts, dur: Math.max(0, round(end - start)), pid: this.#pid, tid };
    if (args !== undefined) event.args = args;
    this.#push(event);
  }

  #instant(name: string, cat: string, at: number, tid: number, args: Record<string, unknown>): void {
    this.#push({ name, cat, ph: 'i', s: 't', ts: this.#at(at), pid: this.#pid, tid, args });
  }

  #at(time: number): number {
    return Math.max(0, round(time - this.#origin));
  }

  #push(event: TraceEvent): void {
    this.#events.push(event);
  }
}

function round(us: number): number {
  return Math.round(us * 1000) / 1000;
}
