// Cluster Pool (multiproc/cluster, issue 13) on a private redis-server (unix socket, no
// persistence) with `multiproc worker` hosts as separate processes on this machine:
// - cluster-rate: tasks/s of tiny tasks (chunksize 1) through one host of one process, against
//   BullMQ's own job rate on the same Redis (a plain BullMQ worker echoing jobs, concurrency 1);
// - cluster-cpu: 200 CPU-bound tasks of ~10 ms on 1 and on 2 hosts of 1 process, and the same
//   map on the local Pool, so the cost of going through Redis is a ratio.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import * as mp from '../lib/multiproc.mjs';
import { BENCH, ROOT, resolveFrom, scratchPath, waitForFile } from '../lib/common.mjs';

const CLUSTER = join(ROOT, 'dist', 'cluster.js');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const RATE_N = 2000;
const TASKS = 200;
const TASK_MS = 10;

const children = new Set();
let socket;

/** Why these rows cannot run here, or null. */
function reason() {
  if (!existsSync(CLUSTER)) return 'dist/cluster.js not built (run npm run build)';
  if (!resolveFrom(BENCH, 'bullmq')) return 'bullmq is not installed (npm install in the repository root: it is a devDependency)';
  const found = spawnSync('redis-server', ['--version']);
  if (found.error || found.status !== 0) return 'redis-server is not installed (apt-get install -y redis-server)';
  return null;
}

/** Keep `child` until it exits (stopAll kills those still there). */
function keep(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Start a child and resolve once it printed `ready`. */
function startReady(args) {
  const child = keep(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT }));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}) before ready: ${out}`)));
  });
}

async function startRedis() {
  if (socket) return;
  socket = scratchPath('redis.sock');
  keep(
    spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no', '--dir', BENCH], { stdio: 'ignore' }),
  );
  await waitForFile(socket);
}

async function stopAll() {
  await Promise.all(
    [...children].map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return undefined;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      return exited;
    }),
  );
  socket = undefined;
}

const host = (queue, processes, extra = []) =>
  startReady([CLI, 'worker', '--socket', socket, '--queue', queue, '--processes', String(processes), '--root', BENCH, ...extra]);
const clusterPool = async (queue) => new (await import(pathToFileURL(CLUSTER).href)).Pool({ redis: { path: socket }, queue });

/** A row timing `work(pool)` over a pool kept open between samples. */
function poolRow({ id, label, open, work, close, baseline }) {
  let pool;
  return {
    id,
    label,
    ...(baseline ? { baseline } : {}),
    available: async () => reason() ?? (await mp.reason({ exports: ['Pool'] })),
    async setup() {
      pool = await open();
      await work(pool, true);
    },
    async teardown() {
      if (pool) await close(pool);
      pool = undefined;
    },
    run: () => work(pool, false),
  };
}

/** BullMQ alone: addBulk, a plain Worker echoing each job (in its own process), QueueEvents. */
function echoRow(concurrency) {
  const queueName = `echo-${concurrency}`;
  return poolRow({
    id: concurrency === 1 ? 'bullmq-echo' : `bullmq-echo-${concurrency}`,
    label: `BullMQ alone: addBulk + a plain Worker echoing (concurrency ${concurrency}) + QueueEvents`,
    ...(concurrency === 1 ? {} : { baseline: 'bullmq-echo' }),
    async open() {
      const { Queue, QueueEvents } = await import('bullmq');
      await startReady([join(BENCH, 'targets', 'bullmq-echo.mjs'), socket, queueName, String(concurrency)]);
      const queue = new Queue(queueName, { connection: { path: socket } });
      const events = new QueueEvents(queueName, { connection: { path: socket } });
      await events.waitUntilReady();
      return { queue, events };
    },
    async work({ queue, events }) {
      const t0 = performance.now();
      let done = 0;
      const all = new Promise((resolve) => {
        const onDone = () => {
          if (++done === RATE_N) {
            events.off('completed', onDone);
            resolve();
          }
        };
        events.on('completed', onDone);
      });
      await queue.addBulk(
        Array.from({ length: RATE_N }, (_, x) => ({ name: 'echo', data: { x }, opts: { removeOnComplete: true, removeOnFail: true } })),
      );
      await all;
      return RATE_N / ((performance.now() - t0) / 1000);
    },
    close: async ({ queue, events }) => {
      await events.close();
      await queue.close();
    },
  });
}

/** The cluster Pool's row of the rate group: one host of one process with `extra` flags. */
function clusterRateRow(id, label, queue, extra) {
  return poolRow({
    id,
    label,
    async open() {
      await host(queue, 1, extra);
      return clusterPool(queue);
    },
    async work(pool) {
      const square = await mp.target({ file: 'square.mjs', name: 'square' });
      const input = Array.from({ length: RATE_N }, (_, x) => x);
      const t0 = performance.now();
      const out = await pool.map(square, input, { chunksize: 1 });
      if (out[RATE_N - 1] !== (RATE_N - 1) ** 2) throw new Error('wrong result');
      return RATE_N / ((performance.now() - t0) / 1000);
    },
    close: (pool) => pool.terminate(),
  });
}

const rate = {
  name: 'cluster-rate',
  title: `Tiny tasks through Redis: ${RATE_N.toLocaleString('en-US')} tasks (x → x*x, chunksize 1), tasks/s`,
  unit: 'tasks/s',
  higherIsBetter: true,
  baseline: 'bullmq-echo',
  rounds: 5,
  quickRounds: 2,
  setup: startRedis,
  teardown: stopAll,
  rows: [
    echoRow(1),
    echoRow(2),
    clusterRateRow('mp-cluster', 'multiproc/cluster Pool.map, 1 host of 1 process (default: adaptive prefetch and batches)', 'rate', []),
    clusterRateRow('mp-cluster-prefetch-4', 'the same, host with --prefetch 4 (holds 4, batches within them)', 'rate-p4', [
      '--prefetch',
      '4',
    ]),
    clusterRateRow('mp-cluster-prefetch-1', 'the same, host with --prefetch 1 (takes only the task it runs)', 'rate-p1', [
      '--prefetch',
      '1',
    ]),
  ],
  notes: `
One task = one BullMQ job each way (a chunk of one item). Goal (issue 13): the cluster row at
≥ 0.8× BullMQ's own rate (a plain worker, BullMQ's default concurrency 1). The host runs one
batch at a time in its one worker process (a crashing task must not take the host down): by
default it holds more jobs while they are shorter than a hand-off to that process and sends
them in batches of one hand-off's worth of work (src/cluster/pace.ts); \`--prefetch 4\` holds 4
(batches of up to 3 behind a running one), \`--prefetch 1\` only the one it runs (no batches).
`,
};

let spin;
async function calibrate() {
  const { spin: work } = await import('../targets/cpu.mjs');
  work(1e6);
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    work(2e7);
    best = Math.min(best, performance.now() - t0);
  }
  spin = Math.round((2e7 * TASK_MS) / best);
}

const cpuMap = async (pool) => {
  const work = await mp.target({ file: 'cpu.mjs', name: 'spin' });
  const t0 = performance.now();
  await pool.map(work, Array(TASKS).fill(spin), { chunksize: 1 });
  return performance.now() - t0;
};

const localRow = (processes) =>
  poolRow({
    id: `local-${processes}`,
    label: `local multiproc Pool(${processes}).map (forkserver)`,
    open: async () => new ((await mp.load()).getContext('forkserver').Pool)({ processes }),
    work: cpuMap,
    close: (pool) => pool.terminate(),
  });

const clusterRow = (
  hosts,
  extra = [],
  id = `cluster-${hosts}`,
  label = `multiproc/cluster Pool.map, ${hosts} host${hosts > 1 ? 's' : ''} of 1 process`,
) =>
  poolRow({
    id,
    label,
    async open() {
      for (let i = 0; i < hosts; i++) await host(id, 1, extra);
      return clusterPool(id);
    },
    work: cpuMap,
    close: (pool) => pool.terminate(),
  });

const cpu = {
  name: 'cluster-cpu',
  title: `${TASKS} CPU-bound tasks of about ${TASK_MS} ms (chunksize 1): 1 and 2 hosts vs the local Pool`,
  unit: 'ms',
  higherIsBetter: false,
  baseline: 'cluster-1',
  rounds: 5,
  quickRounds: 2,
  async setup() {
    await calibrate();
    await startRedis();
  },
  teardown: stopAll,
  rows: [
    clusterRow(1),
    clusterRow(2),
    clusterRow(1, ['--prefetch', '1'], 'cluster-1-prefetch-1', 'the same, 1 host with --prefetch 1 (holds only the task it runs)'),
    localRow(1),
    localRow(2),
  ],
  notes: `
Ratios to one host: the 2-host row's speed-up is 1 / its ratio (goal, issue 13: ≥ 1.8×; the
ceiling on these 2-vCPU machines is about 1.9×). Redis, the submitter and the hosts share the
same two CPUs. local-2 against cluster-2 is the cost of going through Redis. A task this long
travels alone (src/cluster/batches.ts); by default the host holds the next ones, so a process
that frees starts one at once; \`--prefetch 1\` holds none: each task also waits for the host's
round trip through Redis that fetches it.
`,
};

export const groups = [rate, cpu];
