// Pool: map of x → x*x against Python's Pool and the npm peers; CPU-bound speed-up (issue 6).
// The npm peers are devDependencies of bench/package.json only: `npm --prefix bench install`.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import * as mp from '../lib/multiproc.mjs';
import { pythonRow } from '../lib/rows.mjs';
import { BENCH, resolveFrom } from '../lib/common.mjs';

const WORKERS = 2;
const PEERS = join(BENCH, 'targets', 'peers');
const ranges = new Map();
/** [0, 1, …, n-1], built once per n (first in the discarded warm-up round), reused read-only. */
const range = (n) => {
  if (!ranges.has(n))
    ranges.set(
      n,
      Array.from({ length: n }, (_, i) => i),
    );
  return ranges.get(n);
};
const check = (out, n) => {
  if (out.length !== n || out[n - 1] !== (n - 1) * (n - 1)) throw new Error('wrong result');
};

/** Imports an npm peer from bench/node_modules, or returns { reason }. */
async function peer(name) {
  const path = resolveFrom(BENCH, name);
  if (!path || !path.startsWith(join(BENCH, 'node_modules'))) {
    return { reason: `${name} is not installed in bench/node_modules (run npm --prefix bench install)` };
  }
  return { mod: await import(name) }; // resolves to bench/node_modules from bench/groups
}

/** A row over a pool kept warm between samples: open() → pool, map(pool, n) → ms, close(pool). */
function warmRow({ id, label, available, open, map, close, n, warmN = 1000 }) {
  let pool;
  return {
    id,
    label,
    available,
    async setup() {
      pool = await open();
      await map(pool, warmN); // every worker started and ran a task
    },
    async teardown() {
      if (pool) await close(pool);
      pool = undefined;
    },
    async run() {
      const t0 = performance.now();
      await map(pool, n);
      return performance.now() - t0;
    },
  };
}

const mpReason = () => mp.reason({ exports: ['Pool'] });
// multiproc's workers use the default start method (forkserver on Linux with the addon), as a
// user's Pool does. (Until a514ebe its workers were spawned: a fork-server child of plain Node
// ended in the middle of importing a module the server had not loaded.)
const MP_METHOD = 'forkserver';
const mpPool = async () => (await mp.load()).getContext(MP_METHOD).Pool;
const mpSquare = () => mp.target({ file: 'square.mjs', name: 'square' });

/** The rows of a map group over `n` items; per-item peers only when `perItemPeers`. */
function mapRows(n, perItemPeers) {
  const rows = [
    pythonRow({ id: 'py-map', label: 'Python Pool(2).map, warm pool', cmd: 'pool_map', params: { n, processes: WORKERS } }),
    pythonRow({ id: 'py-start-map', label: 'Python Pool(2) start + map', cmd: 'pool_start_map', params: { n, processes: WORKERS } }),
    warmRow({
      id: 'mp-map',
      label: 'multiproc Pool(2).map, warm pool (forkserver workers)',
      n,
      available: mpReason,
      open: async () => new (await mpPool())({ processes: WORKERS }),
      map: async (pool, k) => check(await pool.map(await mpSquare(), range(k)), k),
      close: (pool) => pool.terminate(),
    }),
    {
      id: 'mp-start-map',
      label: 'multiproc Pool(2) start + map (forkserver workers)',
      available: mpReason,
      async run() {
        const Pool = await mpPool();
        const square = await mpSquare();
        const items = range(n);
        const t0 = performance.now();
        const pool = new Pool({ processes: WORKERS });
        const out = await pool.map(square, items);
        const ms = performance.now() - t0;
        await pool.terminate();
        check(out, n);
        return ms;
      },
    },
    warmRow({
      id: 'multiprocess-pool',
      label: 'multiprocess-pool map (npm; default chunks)',
      n,
      available: async () => (await peer('multiprocess-pool')).reason ?? null,
      open: async () => new (await peer('multiprocess-pool')).mod.default.Pool(WORKERS),
      map: async (pool, k) => check(await pool.map(range(k), join(PEERS, 'square-multiprocess-pool.cjs')), k),
      close: (pool) => pool.terminate(),
    }),
  ];
  if (!perItemPeers) return rows;
  return rows.concat([
    warmRow({
      id: 'workerpool',
      label: "workerpool, workerType 'process' (npm; one task per item)",
      n,
      available: async () => (await peer('workerpool')).reason ?? null,
      open: async () =>
        (await peer('workerpool')).mod.default.pool(join(PEERS, 'square-workerpool.cjs'), {
          workerType: 'process',
          minWorkers: WORKERS,
          maxWorkers: WORKERS,
        }),
      map: async (pool, k) => check(await Promise.all(range(k).map((x) => pool.exec('square', [x]))), k),
      close: (pool) => pool.terminate(true),
    }),
    warmRow({
      id: 'piscina',
      label: 'piscina, threads (npm; one task per item)',
      n,
      available: async () => (await peer('piscina')).reason ?? null,
      open: async () => {
        const { Piscina } = (await peer('piscina')).mod;
        const filename = pathToFileURL(join(PEERS, 'square-default.mjs')).href;
        return new Piscina({ filename, minThreads: WORKERS, maxThreads: WORKERS });
      },
      map: async (pool, k) => check(await Promise.all(range(k).map((x) => pool.run(x))), k),
      close: (pool) => pool.destroy(),
    }),
    warmRow({
      id: 'tinypool',
      label: 'tinypool, threads (npm; one task per item)',
      n,
      available: async () => (await peer('tinypool')).reason ?? null,
      open: async () => {
        const { Tinypool } = (await peer('tinypool')).mod;
        const filename = pathToFileURL(join(PEERS, 'square-default.mjs')).href;
        return new Tinypool({ filename, minThreads: WORKERS, maxThreads: WORKERS });
      },
      map: async (pool, k) => check(await Promise.all(range(k).map((x) => pool.run(x))), k),
      close: (pool) => pool.destroy(),
    }),
  ]);
}

const mapNotes = (n, perItem) => `
map of x → x*x over ${n.toLocaleString('en-US')} integers with 2 workers. "warm pool": the pool
was started and ran a task before the first sample (start excluded); "start + map": start
included, shut-down not timed. Python: default start method (fork), default chunksize.
${perItem ? 'workerpool, piscina and tinypool have no map: one task per item, as users write it.' : 'The one-task-per-item peers (workerpool, piscina, tinypool) are left out at this size (minutes per sample); see pool-100k.'}
Goals (issue 6): multiproc map at least as fast as Python's Pool.map; every process-based npm
peer beaten by ≥ 10×.
`;

const map100k = {
  name: 'pool-100k',
  title: 'Pool map x → x*x over 100,000 integers, 2 workers',
  unit: 'ms',
  higherIsBetter: false,
  baseline: 'py-map',
  rounds: 5,
  quickRounds: 2,
  timeoutMs: 300_000,
  rows: mapRows(100_000, true),
  notes: mapNotes(100_000, true),
};

const map1m = {
  name: 'pool-1m',
  title: 'Pool map x → x*x over 1,000,000 integers, 2 workers',
  unit: 'ms',
  higherIsBetter: false,
  baseline: 'py-map',
  rounds: 5,
  quickRounds: 2,
  timeoutMs: 300_000,
  rows: mapRows(1_000_000, false),
  notes: mapNotes(1_000_000, false),
};

const IMAP_N = 10_000;
const imap = {
  name: 'pool-imap',
  title: `Pool imap x → x*x, chunksize 1, over ${IMAP_N.toLocaleString('en-US')} integers, 2 workers`,
  unit: 'ms',
  higherIsBetter: false,
  baseline: 'py-imap',
  rounds: 5,
  quickRounds: 2,
  rows: [
    pythonRow({
      id: 'py-imap',
      label: 'Python Pool(2).imap(chunksize=1), warm pool',
      cmd: 'pool_imap',
      params: { n: IMAP_N, processes: WORKERS, chunksize: 1 },
    }),
    warmRow({
      id: 'mp-imap',
      label: 'multiproc Pool(2).imap({ chunksize: 1 }), warm pool',
      n: IMAP_N,
      available: mpReason,
      open: async () => new (await mpPool())({ processes: WORKERS }),
      map: async (pool, k) => {
        let count = 0;
        for await (const r of pool.imap(await mpSquare(), range(k), { chunksize: 1 })) if (r >= 0) count++;
        if (count !== k) throw new Error('wrong result');
      },
      close: (pool) => pool.terminate(),
    }),
  ],
};

// CPU-bound tasks: the same work serially and over Pool(2). Speed-up = 1 / ratio to the serial
// row of the same language.
const TASKS = 200;
const TASK_MS = 10;
let spin; // iterations of the JS busy loop that take about TASK_MS here, measured in setup
const cpu = {
  name: 'pool-cpu',
  title: `${TASKS} CPU-bound tasks of about ${TASK_MS} ms: serial vs Pool(2)`,
  unit: 'ms',
  higherIsBetter: false,
  baseline: 'py-serial',
  rounds: 5,
  quickRounds: 2,
  async setup() {
    const { spin: work } = await import('../targets/cpu.mjs');
    work(1e6); // compile
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      // the least disturbed of three
      const t0 = performance.now();
      work(2e7);
      best = Math.min(best, performance.now() - t0);
    }
    spin = Math.round((2e7 * TASK_MS) / best);
  },
  rows: [
    pythonRow({
      id: 'py-serial',
      label: 'Python, serial in one process',
      cmd: 'cpu_tasks',
      params: { tasks: TASKS, ms: TASK_MS, processes: 0 },
    }),
    pythonRow({
      id: 'py-pool',
      label: 'Python Pool(2).map',
      cmd: 'cpu_tasks',
      params: { tasks: TASKS, ms: TASK_MS, processes: WORKERS },
      baseline: 'py-serial',
    }),
    {
      id: 'node-serial',
      label: 'Node, serial in one process',
      available: async () => null,
      async run() {
        const { spin: work } = await import('../targets/cpu.mjs');
        const t0 = performance.now();
        for (let i = 0; i < TASKS; i++) work(spin);
        return performance.now() - t0;
      },
    },
    warmRow({
      id: 'mp-pool',
      label: 'multiproc Pool(2).map',
      n: TASKS,
      warmN: 2,
      available: mpReason,
      open: async () => new (await mpPool())({ processes: WORKERS }),
      map: async (pool, k) => {
        const work = await mp.target({ file: 'cpu.mjs', name: 'spin' });
        await pool.map(work, Array(k).fill(spin), { chunksize: 1 });
      },
      close: (pool) => pool.terminate(),
    }),
  ],
  notes: `
Each task spins about ${TASK_MS} ms (the loop is calibrated once per run, per language). The
multiproc row's ratio is to \`node-serial\`, Python's pool to \`py-serial\`: speed-up = 1 / ratio.
The ceiling on these 2-vCPU machines is about 1.9×: the same CPU-bound work as two independent processes ran 1.88-1.89× faster than as one. Goal
(issue 6): ≥ 1.85× with 2 workers.
`,
};
cpu.rows.find((r) => r.id === 'mp-pool').baseline = 'node-serial';

export const groups = [map100k, map1m, imap, cpu];
