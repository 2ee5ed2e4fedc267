// Machine description and bench/RESULTS.md sections, shared by run.mjs and stress-start.mjs.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { BENCH, ROOT } from './common.mjs';

export const RESULTS = join(BENCH, 'RESULTS.md');
/** Set (to 1) in the environment of a run re-executed under `taskset -c 0` by --pin. */
export const PIN_ENV = 'MULTIPROC_BENCH_PINNED';

function tryRun(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    return `unavailable (${err.code ?? err.message})`;
  }
}

/** nproc, CPU model, node/python/kernel versions, CPU affinity of this process. */
export function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown';
  const status = readFileSync('/proc/self/status', 'utf8');
  const allowed = /^Cpus_allowed_list:\s*(.*)$/m.exec(status)?.[1] ?? '?';
  return {
    nproc: tryRun('nproc', []),
    online: tryRun('nproc', ['--all']),
    model,
    node: process.version,
    python: tryRun('python3', ['--version']),
    kernel: `${os.type()} ${os.release()}`,
    allowed,
    pinned: process.env[PIN_ENV] === '1',
  };
}

/** The command, date, machine and CPU affinity lines of a RESULTS.md section. */
export function machineLines(mach, command) {
  const pin = mach.pinned
    ? `pinned: \`taskset -c 0\` (allowed CPUs ${mach.allowed}; every child inherits it)`
    : `not pinned (allowed CPUs ${mach.allowed})`;
  return [
    `- command: \`${command}\``,
    `- date: ${new Date().toISOString()}`,
    `- machine: nproc ${mach.nproc} (online ${mach.online}), ${mach.model}, node ${mach.node}, ${mach.python}, ${mach.kernel}`,
    `- CPU affinity: ${pin}`,
  ];
}

/** The command as typed from the repository root, shell-quoted. */
export function commandLine(script, argv) {
  const quote = (a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);
  return ['node', relative(ROOT, script), ...argv].map(quote).join(' ');
}

const HEADER = `# Benchmark results

Written by \`node bench/run.mjs\` (see bench/README.md); each group's section is replaced when that
group is run again, pinned and unpinned runs are kept apart. These machines have 2 vCPUs shared
with other work (other engineers build and test on the same machine while benchmarks run), so
absolute figures drift between runs by up to 2×: judge by the **ratios**, which compare rows
measured side by side, interleaved, in the same run. The load average is recorded with each run.
`;

/** Replaces (or appends) each [key, body] section of bench/RESULTS.md. */
export function writeResults(sections) {
  let doc = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : HEADER;
  for (const [key, body] of sections) {
    const open = `<!-- bench:${key} -->`;
    const close = `<!-- /bench:${key} -->`;
    const block = `${open}\n${body}${close}\n`;
    const i = doc.indexOf(open);
    const j = doc.indexOf(close);
    if (i >= 0 && j > i) doc = doc.slice(0, i) + block + doc.slice(j + close.length + 1);
    else doc = `${doc.trimEnd()}\n\n${block}`;
  }
  writeFileSync(RESULTS, doc);
}
