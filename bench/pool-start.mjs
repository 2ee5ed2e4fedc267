// What a fresh Pool worker costs, read from Pool traces (issue 16): N rounds of Pool(2) start +
// map of x → x*x over 100,000 integers with `trace: true`, and per worker from its trace track:
// `start()` (the parent in Process.start(), absent from builds before it was traced),
// `start-up` (Process.start() until the worker's code runs), its first task (a cold chunk) and
// the median of its later tasks (warm chunks of the same size); per round the map call's span.
// "Fresh-worker cost" = start-up + (first task − warm task): what a worker costs before it runs
// chunks at its warm speed. Run:
//   node bench/pool-start.mjs [N] [forkserver|spawn|fork]
// DIST=<dir> measures another build (default: ../dist). Before the rounds, one pool runs and the
// process pauses SETTLE_MS (default 500 ms); between rounds it pauses GAP_MS (default 100 ms), as
// a program that makes a pool per job would (`node bench/run.mjs` runs other rows between two
// samples of a row). Medians and min–max over rounds (per worker: over both workers).
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const dist = process.env.DIST ?? fileURLToPath(new URL('../dist', import.meta.url));
const m = await import(pathToFileURL(join(dist, 'index.js')).href);
const { square } = await import('./targets/square.mjs');
const rounds = Number(process.argv[2] ?? 20);
const method = process.argv[3] ?? 'forkserver';
const settle = Number(process.env.SETTLE_MS ?? 500);
const gap = Number(process.env.GAP_MS ?? 100);
const items = Array.from({ length: 100_000 }, (_, i) => i);
const { Pool } = m.getContext(method);

async function round() {
  const t0 = performance.now();
  const pool = new Pool({ processes: 2, trace: true });
  const out = await pool.map(square, items);
  const ms = performance.now() - t0;
  const doc = pool.trace();
  await pool.terminate();
  if (out.length !== items.length || out[99_999] !== 99_999 * 99_999) throw new Error('wrong result');
  return { ms, doc };
}

const ms = (us) => us / 1000;
const rows = { total: [], call: [], startCall: [], startUp: [], first: [], warm: [], fresh: [] };
await round();
await new Promise((resolve) => setTimeout(resolve, settle));
for (let r = 0; r < rounds; r++) {
  if (r > 0) await new Promise((resolve) => setTimeout(resolve, gap));
  const { ms: total, doc } = await round();
  rows.total.push(total);
  const begin = doc.traceEvents.find((e) => e.ph === 'b');
  const end = doc.traceEvents.find((e) => e.ph === 'e');
  if (begin && end) rows.call.push(ms(end.ts - begin.ts));
  const tids = new Set(doc.traceEvents.filter((e) => e.tid > 0 && e.ph === 'X').map((e) => e.tid));
  for (const tid of tids) {
    const track = doc.traceEvents.filter((e) => e.tid === tid && e.ph === 'X');
    const startCall = track.find((e) => e.name === 'start()');
    const startUp = track.find((e) => e.name === 'start-up');
    const tasks = track.filter((e) => e.cat === 'task').sort((a, b) => a.ts - b.ts);
    if (startCall) rows.startCall.push(ms(startCall.dur));
    if (!startUp || tasks.length < 2) continue;
    const later = tasks
      .slice(1)
      .map((e) => e.dur)
      .sort((a, b) => a - b);
    const warm = later[later.length >> 1];
    rows.startUp.push(ms(startUp.dur));
    rows.first.push(ms(tasks[0].dur));
    rows.warm.push(ms(warm));
    rows.fresh.push(ms(startUp.dur + tasks[0].dur - warm));
  }
}

const stat = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? '—' : `${s[s.length >> 1].toFixed(2)} (${s[0].toFixed(2)}–${s[s.length - 1].toFixed(2)}, n ${s.length})`;
};
console.log(`pool-start: ${method}, ${rounds} rounds ${gap} ms apart, build ${dist}`);
console.log(`  start + map (ms, parent's clock)        ${stat(rows.total)}`);
console.log(`  map call span in the trace (ms)         ${stat(rows.call)}`);
console.log(`  per worker: start() (ms)                ${stat(rows.startCall)}`);
console.log(`  per worker: start-up (ms)               ${stat(rows.startUp)}`);
console.log(`  per worker: first task, cold (ms)       ${stat(rows.first)}`);
console.log(`  per worker: later task, warm (ms)       ${stat(rows.warm)}`);
console.log(`  per worker: fresh-worker cost (ms)      ${stat(rows.fresh)}`);
