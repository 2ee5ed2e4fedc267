#!/usr/bin/env node
// Reliability (issue 3): N start→join of an empty target in a row per start method, counting
// hangs (no join within --timeout ms) and crashes (exit code other than 0).
//   node bench/stress-start.mjs [--count 1000] [--timeout 10000] [--methods forkserver,fork,spawn]
// `fork` runs in a helper started with `node --single-threaded` (fork requires it); the others
// in this process. Writes its section of bench/RESULTS.md; exits non-zero if any run hung or crashed.
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { commandLine, machine, machineLines, writeResults } from './lib/results.mjs';
import * as mp from './lib/multiproc.mjs';
import { nodeDriver, closeAllDrivers } from './lib/driver.mjs';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    timeout: { type: 'string', default: '10000' },
    methods: { type: 'string', default: 'forkserver,fork' },
    'no-write': { type: 'boolean', default: false },
  },
});
const command = commandLine(fileURLToPath(import.meta.url), process.argv.slice(2));
const loadStart = os.loadavg();
const lines = []; // table rows for RESULTS.md
const count = Number(values.count);
const timeoutMs = Number(values.timeout);
const target = { file: 'empty.mjs', name: 'empty' };
let bad = false;

for (const method of values.methods.split(',')) {
  const where = method === 'fork' ? nodeDriver(['--single-threaded'], 'bench/lib/multiproc.mjs') : null;
  const call = (cmd, params) => (where ? where.request(cmd, params) : mp[cmd](params));
  const why = await call('probe', { method, target }).catch((err) => err.message);
  if (why) {
    console.log(`${method}: skipped — ${why}`);
    lines.push(`| ${method} | — | — | — | — | skipped: ${why.replaceAll('|', '\\|')} |`);
    continue;
  }
  let hangs = 0;
  let crashes = 0;
  const times = [];
  for (let i = 0; i < count; i++) {
    let timer;
    const hung = new Promise((resolve) => (timer = setTimeout(() => resolve('hang'), timeoutMs)));
    const r = await Promise.race([call('startJoin', { method, target }).catch((err) => err), hung]);
    clearTimeout(timer);
    if (r === 'hang') {
      hangs++;
      console.log(`${method}: run ${i + 1} did not join within ${timeoutMs} ms; stopping this method`);
      break;
    }
    if (r instanceof Error) crashes++;
    else times.push(r);
  }
  times.sort((a, b) => a - b);
  const med = times.length ? times[times.length >> 1].toFixed(2) : '—';
  const max = times.length ? times[times.length - 1].toFixed(1) : '—';
  console.log(`${method}: ${times.length} ok, ${hangs} hangs, ${crashes} crashes (median ${med} ms, max ${max} ms)`);
  lines.push(`| ${method} | ${times.length} | ${hangs} | ${crashes} | ${med} | max ${max} ms |`);
  if (hangs || crashes) bad = true;
}
await closeAllDrivers();
if (!values['no-write']) {
  const mach = machine();
  const la = (l) => l.map((x) => x.toFixed(2)).join(' ');
  const body = [
    `## stress-start${mach.pinned ? ' (pinned)' : ''}: ${count} start→join in a row per start method`,
    '',
    ...machineLines(mach, command),
    `- load average (1/5/15 min) at start: ${la(loadStart)}; at end: ${la(os.loadavg())}`,
    `- a run that does not join within ${timeoutMs} ms counts as a hang (and stops that method); an exit code other than 0 as a crash`,
    '',
    '| start method | ok | hangs | crashes | median ms | note |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...lines,
    '',
  ].join('\n');
  writeResults([[`stress-start${mach.pinned ? '@pinned' : ''}`, body]]);
}
process.exit(bad ? 1 : 0);
