#!/usr/bin/env node
// The benchmark runner. See bench/README.md.
//
//   node bench/run.mjs [--only <group>[,<group>…]] [--rounds N] [--quick] [--pin] [--note TEXT]
//                      [--no-write] [--list]
//
// Rows of a group are measured side by side in one run, interleaved round by round (one sample
// of each row per round, the starting row rotated every round), so that drift caused by
// neighbours on this shared machine hits every row alike. The table gives medians, min–max and
// the ratio of each row's median to its baseline row's median measured in the same run.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, basename } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import os from 'node:os';
import { BENCH } from './lib/common.mjs';
import { closeAllDrivers } from './lib/driver.mjs';
import { commandLine, machine, machineLines, PIN_ENV, RESULTS, writeResults } from './lib/results.mjs';

const argv = process.argv.slice(2);

const { values: opts } = parseArgs({
  args: argv,
  options: {
    only: { type: 'string', multiple: true },
    rounds: { type: 'string' },
    quick: { type: 'boolean', default: false },
    pin: { type: 'boolean', default: false },
    note: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opts.help) {
  console.log(
    readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .split('\n')
      .slice(1, 6)
      .join('\n'),
  );
  process.exit(0);
}

// --pin: re-run this very command under `taskset -c 0`; every process it starts inherits that.
if (opts.pin && process.env[PIN_ENV] !== '1') {
  const script = fileURLToPath(import.meta.url);
  const r = spawnSync('taskset', ['-c', '0', process.execPath, ...process.execArgv, script, ...argv], {
    stdio: 'inherit',
    env: { ...process.env, [PIN_ENV]: '1' },
  });
  if (r.error) {
    console.error(`--pin: could not run taskset: ${r.error.message}`);
    process.exit(1);
  }
  process.exit(r.status ?? 1);
}

let rounds = null;
if (opts.rounds !== undefined) {
  rounds = Number(opts.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) {
    console.error(`Expected \`--rounds\` to be a positive integer, got \`${opts.rounds}\`.`);
    process.exit(2);
  }
}

// ---- groups -------------------------------------------------------------------------------

/** Every group, in file-name order; a module exports one group (named exports or default) or `groups`. */
async function loadGroups() {
  const dir = join(BENCH, 'groups');
  const out = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.mjs'))
    .sort()) {
    const mod = await import(pathToFileURL(join(dir, file)).href);
    const list = mod.groups ?? [mod.default ?? mod];
    for (const g of list) out.push({ ...g, file: basename(file, '.mjs') });
  }
  return out;
}

const allGroups = await loadGroups();
if (opts.list) {
  for (const g of allGroups) console.log(`${g.name.padEnd(18)} ${g.title}  [${g.file}.mjs]`);
  process.exit(0);
}
const wanted = (opts.only ?? []).flatMap((s) => s.split(',')).filter(Boolean);
const selected = wanted.length ? allGroups.filter((g) => wanted.includes(g.name) || wanted.includes(g.file)) : allGroups;
const unknown = wanted.filter((w) => !allGroups.some((g) => g.name === w || g.file === w));
if (unknown.length) {
  console.error(`Unknown group ${unknown.join(', ')}; groups: ${allGroups.map((g) => g.name).join(', ')}`);
  process.exit(2);
}

// ---- machine --------------------------------------------------------------------------------

// ---- statistics and formatting ------------------------------------------------------------

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmt(v) {
  const a = Math.abs(v);
  if (a >= 10_000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

const fmtRatio = (r) => (r >= 0.1 ? `${r.toFixed(2)}×` : `${r.toPrecision(2)}×`);

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([Promise.resolve(promise), timeout]).finally(() => clearTimeout(timer));
}

// ---- one group ----------------------------------------------------------------------------

async function runGroup(group) {
  const n = rounds ?? (opts.quick ? (group.quickRounds ?? 3) : (group.rounds ?? 10));
  const warmup = group.warmup ?? 1;
  const timeoutMs = group.timeoutMs ?? 120_000;
  const ctx = { quick: opts.quick, pinned: process.env[PIN_ENV] === '1' };
  const ids = new Set(group.rows.map((r) => r.id));
  for (const r of group.rows) {
    const ref = r.baseline ?? group.baseline;
    if (!ids.has(ref)) throw new Error(`group ${group.name}: row ${r.id} has unknown baseline ${ref}`);
  }

  console.log(`\n== ${group.name}: ${group.title}`);
  const load = { start: os.loadavg(), end: null };
  await group.setup?.(ctx);
  const states = [];
  for (const row of group.rows) {
    const s = { row, skip: null, error: null, samples: [], setUp: false };
    try {
      s.skip = await withTimeout(row.available(ctx), timeoutMs, `${row.id}: available()`);
    } catch (err) {
      s.skip = `unavailable: ${err.message}`;
    }
    if (!s.skip && row.setup) {
      try {
        await withTimeout(row.setup(ctx), timeoutMs, `${row.id}: setup()`);
        s.setUp = true;
      } catch (err) {
        s.skip = `setup failed: ${err.message}`;
      }
    }
    console.log(`  ${s.skip ? 'skip' : 'ok  '} ${row.label}${s.skip ? ` — ${s.skip}` : ''}`);
    states.push(s);
  }

  const active = () => states.filter((s) => !s.skip && !s.error);
  for (let round = -warmup; round < n; round++) {
    const list = active();
    if (!list.length) break;
    const k = ((round % list.length) + list.length) % list.length;
    const order = [...list.slice(k), ...list.slice(0, k)];
    for (const s of order) {
      try {
        const v = await withTimeout(s.row.run(ctx), s.row.timeoutMs ?? timeoutMs, `${s.row.id}: run()`);
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`run() returned ${v}`);
        if (round >= 0) s.samples.push(v);
      } catch (err) {
        s.error = err.message;
        console.log(`  fail ${s.row.label} — ${err.message}`);
      }
    }
    process.stderr.write(round < 0 ? `  warm-up ${round + warmup + 1}/${warmup}\n` : `  round ${round + 1}/${n}\n`);
  }

  for (const s of states) {
    if (!s.setUp || !s.row.teardown) continue;
    try {
      await withTimeout(s.row.teardown(ctx), 30_000, `${s.row.id}: teardown()`);
    } catch (err) {
      console.log(`  teardown of ${s.row.id} failed: ${err.message}`);
    }
  }
  try {
    await group.teardown?.(ctx);
  } finally {
    await closeAllDrivers();
  }
  load.end = os.loadavg();
  return { group, states, n, warmup, load };
}

function table({ group, states }) {
  const byId = new Map(states.map((s) => [s.row.id, s]));
  const med = (s) => (s && !s.skip && !s.error && s.samples.length ? median(s.samples) : null);
  const better = group.higherIsBetter ? 'higher is better' : 'lower is better';
  const lines = [
    `| id | row | median (${group.unit}) | min–max | n | ratio to baseline | note |`,
    '| --- | --- | ---: | ---: | ---: | ---: | --- |',
  ];
  const cell = (text) => String(text).replaceAll('|', '\\|');
  for (const s of states) {
    const refId = s.row.baseline ?? group.baseline;
    const label = `\`${s.row.id}\` | ${cell(s.row.label)}`;
    if (s.skip || s.error) {
      const why = s.skip ? `skipped: ${s.skip}` : `failed: ${s.error}`;
      lines.push(`| ${label} | — | — | ${s.samples.length} | — | ${cell(why)} |`);
      continue;
    }
    const m = med(s);
    const ref = med(byId.get(refId));
    let ratio = '—';
    if (s.row.id === refId) ratio = '1.00 (baseline)';
    else if (ref) ratio = fmtRatio(m / ref) + (refId === group.baseline ? '' : ` of \`${refId}\``);
    const lo = Math.min(...s.samples);
    const hi = Math.max(...s.samples);
    const users = states.filter((o) => o.row.baseline === s.row.id && o !== s).map((o) => `\`${o.row.id}\``);
    const note = s.row.id === group.baseline ? 'group baseline' : users.length ? `baseline of ${users.join(', ')}` : '';
    lines.push(`| ${label} | ${fmt(m)} | ${fmt(lo)}–${fmt(hi)} | ${s.samples.length} | ${ratio} | ${note} |`);
  }
  return { text: lines.join('\n'), better };
}

function section(result, mach, command) {
  const { group, n, warmup, load } = result;
  const { text, better } = table(result);
  const la = (l) => l.map((x) => x.toFixed(2)).join(' ');
  const out = [
    `## ${group.name}${mach.pinned ? ' (pinned)' : ''}: ${group.title}`,
    '',
    ...machineLines(mach, command),
    `- load average (1/5/15 min) at start: ${la(load.start)}; at end: ${la(load.end)}`,
    `- ${n} rounds${opts.quick ? ' (--quick)' : ''}, interleaved, starting row rotated each round; ${warmup} warm-up round(s) discarded; unit ${group.unit}, ${better}`,
  ];
  if (opts.note) out.push(`- note: ${opts.note}`);
  out.push('', text, '');
  if (group.notes) out.push(group.notes.trim(), '');
  return out.join('\n');
}

// ---- main ---------------------------------------------------------------------------------

const mach = machine();
const command = commandLine(fileURLToPath(import.meta.url), argv);
console.log(`machine: nproc ${mach.nproc}, ${mach.model}, node ${mach.node}, ${mach.python}, ${mach.kernel}`);
console.log(`CPU affinity: ${mach.pinned ? 'pinned (taskset -c 0)' : 'not pinned'}, allowed CPUs ${mach.allowed}`);

const sections = [];
let failed = false;
for (const group of selected) {
  try {
    const result = await runGroup(group);
    const body = section(result, mach, command);
    console.log(`\n${body}`);
    sections.push([`${group.name}${mach.pinned ? '@pinned' : ''}`, body]);
  } catch (err) {
    failed = true;
    console.error(`group ${group.name} failed: ${err.stack ?? err}`);
    await closeAllDrivers();
  }
}
if (!opts['no-write'] && sections.length) {
  writeResults(sections);
  console.log(`\nwrote ${relative(process.cwd(), RESULTS)}`);
}
// Exit explicitly: a row may leave a handle behind (a fork server, a pool) that keeps the loop alive.
process.exit(failed ? 1 : 0);
