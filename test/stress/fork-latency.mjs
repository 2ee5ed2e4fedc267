#!/usr/bin/env node
// Measurement (by hand): fork -> child _exit -> parent reaps, median of N runs, in a process of
// about `--heap-mb` MB of extra live heap (default 0: a bare Node process is ~45-50 MB RSS).
// Three ways: the raw addon (fork, _exit, blocking waitpid); multiproc/os fork() (child reset,
// process.exit) with blocking waitpidSync; the same with the non-blocking waitpid (pidfd).
// Run: npm run build && node --single-threaded test/stress/fork-latency.mjs [runs=50] [--heap-mb N]
import { createRequire } from 'node:module';
import { fork, waitpid, waitpidSync } from 'multiproc/os';

const native = createRequire(import.meta.url)('../../build/Release/multiproc.node');
const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 50);
const heapIndex = process.argv.indexOf('--heap-mb');
const heapMb = heapIndex === -1 ? 0 : Number(process.argv[heapIndex + 1]);
// ~1 MB per 10,000 small objects with a string each
const keep = Array.from({ length: heapMb * 10_000 }, (_, i) => ({ i, text: `object number ${i}` }));

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function measure(name, once) {
  const times = [];
  for (let i = 0; i < runs + 5; i++) {
    const t0 = performance.now();
    await once();
    if (i >= 5) times.push(performance.now() - t0); // 5 warm-up runs
  }
  return [name, Number(median(times).toFixed(3)), Number(Math.min(...times).toFixed(3)), Number(Math.max(...times).toFixed(3))];
}

const rows = [];
rows.push(
  await measure('addon fork + _exit + waitpid', () => {
    const pid = native.fork();
    if (pid === 0) native.exit(0);
    native.waitpid(pid, false);
  }),
);
rows.push(
  await measure('os.fork + process.exit + waitpidSync', () => {
    const pid = fork();
    if (pid === 0) process.exit(0);
    waitpidSync(pid);
  }),
);
rows.push(
  await measure('os.fork + process.exit + await waitpid (pidfd)', async () => {
    const pid = fork();
    if (pid === 0) process.exit(0);
    await waitpid(pid);
  }),
);
const rssMb = Math.round(process.memoryUsage().rss / 2 ** 20);
console.log(
  `node ${process.version}, --single-threaded, RSS ${rssMb} MB (extra heap ${heapMb} MB, ${keep.length} objects), median/min/max of ${runs} (ms):`,
);
for (const [name, med, min, max] of rows)
  console.log(`  ${name.padEnd(48)} ${String(med).padStart(8)} ${String(min).padStart(8)} ${String(max).padStart(8)}`);
