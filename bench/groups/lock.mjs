// Lock and Event: uncontended acquire/release rate, and cross-process wake-up latency (issue 5).
import { performance } from 'node:perf_hooks';
import * as mp from '../lib/multiproc.mjs';
import { pythonRow } from '../lib/rows.mjs';

const ops = (ctx) => (ctx.quick ? 50_000 : 200_000);
const wakeups = (ctx) => (ctx.quick ? 200 : 1_000);

let lock; // one multiproc Lock for the rate rows
const lockRow = (id, label, sync) => ({
  id,
  label,
  available: () => mp.reason({ exports: ['Lock'] }),
  async setup() {
    lock ??= new (await mp.load()).Lock();
  },
  async run(ctx) {
    const n = ops(ctx);
    const t0 = performance.now();
    if (sync) {
      for (let i = 0; i < n; i++) {
        lock.acquireSync();
        lock.release();
      }
    } else {
      for (let i = 0; i < n; i++) {
        await lock.acquire();
        lock.release();
      }
    }
    return n / ((performance.now() - t0) / 1e3);
  },
});

const rate = {
  name: 'lock',
  title: 'uncontended Lock acquire+release',
  unit: 'pairs/s',
  higherIsBetter: true,
  baseline: 'py-lock',
  rounds: 10,
  quickRounds: 3,
  rows: [
    pythonRow({
      id: 'py-lock',
      label: 'Python multiprocessing.Lock acquire/release',
      cmd: 'lock_rate',
      params: (ctx) => ({ n: ops(ctx) }),
    }),
    lockRow('mp-lock-async', 'multiproc Lock: await acquire(), release()', false),
    lockRow('mp-lock-sync', 'multiproc Lock: acquireSync(), release()', true),
  ],
  notes: `Each sample is ${ops({ quick: false })} acquire+release pairs in one process (${ops({ quick: true })} with --quick).`,
};

// Wake-up latency: two Events ping-ponged with a child; one-way latency is half a round trip.
let pong; // { ping, pong, p } shared by the multiproc wake-up rows
async function mpWakeup(n, stat) {
  const { ping, pong: back } = pong;
  const lat = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    ping.set();
    await back.wait();
    back.clear();
    lat.push(((performance.now() - t0) * 1e3) / 2);
  }
  lat.sort((a, b) => a - b);
  return stat === 'p99' ? lat[Math.min(lat.length - 1, Math.ceil(lat.length * 0.99) - 1)] : lat[lat.length >> 1];
}

const wakeRow = (stat) => ({
  id: `mp-event-${stat}`,
  label: `multiproc Event set → wait in another process, ${stat}`,
  baseline: `py-event-${stat}`,
  available: () => mp.reason({ exports: ['Event', 'Process'] }),
  async setup() {
    if (pong) return;
    const m = await mp.load();
    const { eventPong } = await import('../targets/sync.mjs');
    const e = { ping: new m.Event(), pong: new m.Event() };
    // The start method does not change what is measured; the default (forkserver) is what users get.
    const p = new m.Process({ target: eventPong, args: [e.ping, e.pong], daemon: true });
    p.start();
    pong = { ...e, p };
  },
  async teardown() {
    if (!pong) return;
    pong.p.terminate();
    await pong.p.join();
    pong = undefined;
  },
  run: (ctx) => mpWakeup(wakeups(ctx), stat),
});

const wakeup = {
  name: 'lock-wakeup',
  title: 'wake-up latency: Event.set in one process → the waiter runs in another',
  unit: 'µs',
  higherIsBetter: false,
  baseline: 'py-event-median',
  rounds: 10,
  quickRounds: 3,
  rows: [
    pythonRow({
      id: 'py-event-median',
      label: 'Python multiprocessing.Event, median',
      cmd: 'event_wakeup',
      params: (ctx) => ({ n: wakeups(ctx), stat: 'median' }),
    }),
    pythonRow({
      id: 'py-event-p99',
      label: 'Python multiprocessing.Event, p99',
      cmd: 'event_wakeup',
      params: (ctx) => ({ n: wakeups(ctx), stat: 'p99' }),
    }),
    wakeRow('median'),
    wakeRow('p99'),
  ],
  notes: `
Each sample is the median (or p99) of ${wakeups({ quick: false })} one-way wake-ups
(${wakeups({ quick: true })} with --quick), each half of a set→wait→set→wait round trip with a
child process. p99 rows are compared with Python's p99. Run pinned (--pin) and unpinned.
`,
};

export const groups = [rate, wakeup];
