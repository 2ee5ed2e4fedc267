// Rounds of Pool(2) start + map of x → x*x over 100,000 integers (forkserver workers), for the
// per-step probes of bench/costs/pool-start-probes.py (a probed build: DIST=<dir>/dist):
//   MP_MARKS=1 DIST=<dir>/dist node bench/costs/pool-start.mjs [rounds] [gap ms] 2> marks.txt
//   python3 bench/costs/pool-start-steps.py marks.txt
// Each round is marked ROUND N; `TOTAL ms` is its start + map on the parent's clock. Rounds are
// `gap` ms apart (default 300: the fork server's idle work and spares settle in between).
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = process.env.DIST ?? fileURLToPath(new URL('../../dist', import.meta.url));
const m = await import(pathToFileURL(join(dist, 'index.js')).href);
const { square } = await import('../targets/square.mjs');
const { Pool } = m.getContext('forkserver');
const items = Array.from({ length: 100_000 }, (_, i) => i);
const rounds = Number(process.argv[2] ?? 10);
const gap = Number(process.argv[3] ?? 300);
const mark = (label) => {
  const [s, ns] = process.hrtime();
  writeSync(2, `MARK ${process.pid} ${(s * 1e6 + ns / 1e3).toFixed(0)} ${label}\n`);
};
for (let r = 0; r < rounds; r++) {
  mark(`ROUND ${r}`);
  const t0 = performance.now();
  const pool = new Pool({ processes: 2 });
  const out = await pool.map(square, items);
  const ms = performance.now() - t0;
  await pool.terminate();
  if (out[99_999] !== 99_999 * 99_999) throw new Error('wrong result');
  writeSync(2, `TOTAL ${ms.toFixed(2)}\n`);
  await new Promise((resolve) => setTimeout(resolve, gap));
}
