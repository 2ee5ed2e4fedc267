// Load-independent start costs: N sequential start→joins of an empty target under one start
// method, and per child the minor page faults and CPU time it used, read from the reaping
// process's /proc/PID/stat (cminflt, cutime, cstime: children reaped so far; the fork server's
// for forkserver, this process's for fork). Run:
//   node --single-threaded bench/start-costs.mjs fork [N]
//   node bench/start-costs.mjs forkserver [N]
//   node bench/start-costs.mjs spawn [N]   (also child_process.fork of an empty script, the same N, as `baseline`)
// DIST=<dir> measures another build (default: ../dist). CPU times tick in 10 ms units, so N ≥ 30.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { fork } from 'node:child_process';
const m = await import(pathToFileURL(join(process.env.DIST ?? fileURLToPath(new URL('../dist', import.meta.url)), 'index.js')).href);
const { empty } = await import('./targets/empty.mjs');
const method = process.argv[2] ?? 'fork';
const n = Number(process.argv[3] ?? 30);
const ctx = m.getContext(method);
const stat = (pid) => {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { ppid: +f[1], cmin: +f[8], cmaj: +f[10], cut: +f[13], cst: +f[14], min: +f[7], ut: +f[11], st: +f[12] };
};
// warm (starts the server)
{
  const p = new ctx.Process({ target: empty });
  p.start();
  await p.join();
}
let reaper = process.pid;
if (method === 'forkserver') {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const c = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (c.includes('multiproc: forkserver') && stat(d).ppid === process.pid) reaper = +d;
    } catch {}
  }
}

const a = stat(reaper),
  self0 = stat(process.pid);
const times = [];
for (let i = 0; i < n; i++) {
  const t0 = performance.now();
  const p = new ctx.Process({ target: empty });
  p.start();
  await p.join();
  times.push(performance.now() - t0);
  if (p.exitCode !== 0) throw new Error('exit ' + p.exitCode);
}
const b = stat(reaper),
  self1 = stat(process.pid);
// spawn: the same counts for child_process.fork of an empty script, right after (children of this process).
let baseline;
if (method === 'spawn') {
  const c0 = stat(process.pid);
  const forkTimes = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await new Promise((resolve) => fork(fileURLToPath(new URL('./targets/empty-main.js', import.meta.url))).on('exit', resolve));
    forkTimes.push(performance.now() - t0);
  }
  const c1 = stat(process.pid);
  forkTimes.sort((x, y) => x - y);
  baseline = {
    what: 'child_process.fork(empty-main.js)',
    medianMs: +forkTimes[n >> 1].toFixed(2),
    childMinflt: +((c1.cmin - c0.cmin) / n).toFixed(0),
    childUserMs: +(((c1.cut - c0.cut) * 10) / n).toFixed(2),
    childSysMs: +(((c1.cst - c0.cst) * 10) / n).toFixed(2),
  };
}
times.sort((x, y) => x - y);
const tick = 10; // ms per clock tick (USER_HZ 100)
console.log(
  JSON.stringify({
    method,
    n,
    medianMs: +times[n >> 1].toFixed(2),
    minMs: +times[0].toFixed(2),
    childMinflt: +((b.cmin - a.cmin) / n).toFixed(0),
    childMajflt: +((b.cmaj - a.cmaj) / n).toFixed(1),
    childUserMs: +(((b.cut - a.cut) * tick) / n).toFixed(2),
    childSysMs: +(((b.cst - a.cst) * tick) / n).toFixed(2),
    reaperMinflt: +((b.min - a.min) / n).toFixed(0),
    reaperCpuMs: +(((b.ut + b.st - (a.ut + a.st)) * tick) / n).toFixed(2),
    parentCpuMs: method === 'forkserver' ? +(((self1.ut + self1.st - (self0.ut + self0.st)) * tick) / n).toFixed(2) : undefined,
    baseline,
  }),
);
