// Queue: put→get of small items between processes (issue 5).
import { performance } from 'node:perf_hooks';
import * as mp from '../lib/multiproc.mjs';
import { pythonRow } from '../lib/rows.mjs';

export const name = 'queue';
export const title = 'Queue put→get of small items between processes';
export const unit = 'items/s';
export const higherIsBetter = true;
export const baseline = 'py-1p1c';
export const rounds = 8;
export const quickRounds = 3;

const items = (ctx) => (ctx.quick ? 5_000 : 20_000);
// Steady state: ten times as many items, so the first thousands (fresh processes, code not yet
// optimized) weigh little.
const manyItems = (ctx) => (ctx.quick ? 50_000 : 200_000);

/**
 * multiproc: `producers` processes put `n` items in all on one Queue, `consumers` processes get
 * them; timed from setting the go Event to the consumers' counts arriving (processes started
 * before the clock starts), as the Python rows do.
 */
async function mpQueueRate(n, producers, consumers) {
  const m = await mp.load();
  const { produce, consume } = await import('../targets/sync.mjs');
  const q = new m.Queue();
  const done = new m.Queue();
  const go = new m.Event();
  const share = Array.from({ length: producers }, (_, i) => Math.floor(n / producers) + (i < n % producers ? 1 : 0));
  // The start method does not change what is measured; the default (forkserver) is what users get.
  const { Process } = m;
  const ready = new m.Semaphore(0);
  const prods = share.map((k) => new Process({ target: produce, args: [q, go, k, ready] }));
  const cons = Array.from({ length: consumers }, () => new Process({ target: consume, args: [q, done, ready] }));
  for (const p of [...prods, ...cons]) p.start();
  for (let i = 0; i < producers + consumers; i++) await ready.acquire();
  const t0 = performance.now();
  go.set();
  await Promise.all(prods.map((p) => p.join()));
  for (let i = 0; i < consumers; i++) await q.put(null);
  let got = 0;
  for (let i = 0; i < consumers; i++) got += await done.get();
  const elapsed = (performance.now() - t0) / 1e3;
  await Promise.all(cons.map((p) => p.join()));
  q.close();
  done.close();
  if (got !== n) throw new Error(`consumers got ${got} items, expected ${n}`);
  return n / elapsed;
}

const mpRow = (id, label, producers, consumers, baselineRow, count = items) => ({
  id,
  label,
  baseline: baselineRow,
  available: () => mp.reason({ exports: ['Queue', 'Event', 'Process'] }),
  run: (ctx) => mpQueueRate(count(ctx), producers, consumers),
});

export const rows = [
  pythonRow({
    id: 'py-1p1c',
    label: 'Python multiprocessing.Queue, 1 producer → 1 consumer',
    cmd: 'queue_rate',
    params: (ctx) => ({ n: items(ctx), producers: 1, consumers: 1 }),
  }),
  pythonRow({
    id: 'py-4p2c',
    label: 'Python multiprocessing.Queue, 4 producers → 2 consumers',
    cmd: 'queue_rate',
    params: (ctx) => ({ n: items(ctx), producers: 4, consumers: 2 }),
  }),
  mpRow('mp-1p1c', 'multiproc Queue, 1 producer → 1 consumer', 1, 1, undefined),
  mpRow('mp-4p2c', 'multiproc Queue, 4 producers → 2 consumers', 4, 2, 'py-4p2c'),
  pythonRow({
    id: 'py-1p1c-many',
    label: 'Python multiprocessing.Queue, 1 → 1, 10× the items',
    cmd: 'queue_rate',
    params: (ctx) => ({ n: manyItems(ctx), producers: 1, consumers: 1 }),
  }),
  mpRow('mp-1p1c-many', 'multiproc Queue, 1 → 1, 10× the items', 1, 1, 'py-1p1c-many', manyItems),
  pythonRow({
    id: 'py-4p2c-many',
    label: 'Python multiprocessing.Queue, 4 → 2, 10× the items',
    cmd: 'queue_rate',
    params: (ctx) => ({ n: manyItems(ctx), producers: 4, consumers: 2 }),
  }),
  mpRow('mp-4p2c-many', 'multiproc Queue, 4 → 2, 10× the items', 4, 2, 'py-4p2c-many', manyItems),
];

export const notes = `
Each sample moves ${items({ quick: false })} small integers (${items({ quick: true })} with --quick); the
"10× the items" rows move ${manyItems({ quick: false })} (${manyItems({ quick: true })}), where the fresh processes'
first thousands of items (code not yet optimized; multiproc's fork server hands its children the
Queue code optimized once it has been idle 250 ms) weigh little: the steady-state rate.
Producer and consumer processes are started before the clock starts (Python: default start
method, fork) and released by an Event; the clock stops when the consumers have reported their
counts. Run it pinned (--pin) and unpinned: wake-ups are bimodal by CPU placement.
Goal (issue 5): multiproc ≥ 240k items/s.
`;
