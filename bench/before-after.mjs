#!/usr/bin/env node
// Two builds side by side: this checkout ("after") and another checkout ("before", e.g. a
// worktree of an older commit with its own `npm ci`), measured in one session.
//
//   node bench/before-after.mjs --before DIR [--only <group>[,<group>…]] [--runs N] [--rounds R] [--pin]
//
// Each run is `node bench/run.mjs --only … --rounds R --no-write` in one tree; the two trees
// alternate run by run (after, before, before, after, …), so that a neighbour loading the
// machine hits both alike. Both trees run the same harness: this tree's bench/ code (run.mjs,
// lib, groups, drivers, targets, python, c) is copied over DIR/bench first, so only the built
// package (DIR/dist against ./dist) differs. The report gives, per row, the median of the runs'
// medians in each tree with min–max, and the after/before ratio: of the two medians, and the
// median and min–max of the ratios of the paired runs; then the row's ratio to its baseline row
// (measured in the same round of the same run, as bench/run.mjs reports it) in each tree, and
// after/before of those. Rows that do not use multiproc (Python, Node, C) are a control: their
// after/before shows the noise of the session.
import { cpSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import os from 'node:os';
import { BENCH, ROOT } from './lib/common.mjs';

const { values: opts } = parseArgs({
  options: {
    before: { type: 'string' },
    only: { type: 'string', default: 'pool' },
    runs: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '1' },
    pin: { type: 'boolean', default: false },
  },
});

const positive = (name, value) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`Expected \`--${name}\` to be a positive integer, got \`${value}\`.`);
    process.exit(2);
  }
  return n;
};
const runs = positive('runs', opts.runs);
const rounds = positive('rounds', opts.rounds);
if (!opts.before) {
  console.error('Expected `--before DIR`: a checkout of the older commit, built (`npm ci` there).');
  process.exit(2);
}
const BEFORE = resolve(opts.before);
if (!existsSync(join(BEFORE, 'dist', 'index.js'))) {
  console.error(`Expected a built checkout at \`${BEFORE}\`: ${join(BEFORE, 'dist', 'index.js')} is missing (run npm ci there).`);
  process.exit(2);
}

// The same harness in both trees.
for (const part of ['run.mjs', 'lib', 'groups', 'drivers', 'targets', 'python', 'c']) {
  cpSync(join(BENCH, part), join(BEFORE, 'bench', part), { recursive: true, force: true });
}

const trees = { after: ROOT, before: BEFORE };
/** samples[tree][group][row] = { values: that row's median in each run, ratios: its ratio to its baseline row in each run } */
const samples = { after: {}, before: {} };
const units = new Map();
/** notCompared[group][row] = why that row had no figure, per tree and run ("before: failed: …") */
const notCompared = {};
const MISSING = /^\| `([^`]+)` \| .*\| ((?:skipped|failed): .*) \|$/;
// | `id` | label | median | min–max | n | ratio to baseline | note |  (skipped rows have — there)
const ROW = /^\| `([^`]+)` \| .*? \| ([\d,.]+) \| [\d,.]+–[\d,.]+ \| \d+ \| ([\d.]+)?/;

function runOnce(tree) {
  const args = ['bench/run.mjs', '--only', opts.only, '--rounds', String(rounds), '--no-write'];
  if (opts.pin) args.push('--pin');
  const r = spawnSync(process.execPath, args, { cwd: trees[tree], encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) console.error(`${tree}: bench/run.mjs exited with ${r.status ?? r.signal}`);
  let group = null;
  for (const line of r.stdout.split('\n')) {
    const head = /^## ([\w-]+)/.exec(line);
    if (head) group = head[1];
    const unit = /unit (.+), ((?:higher|lower) is better)$/.exec(line);
    if (group && unit) units.set(group, `${unit[1]}, ${unit[2]}`);
    const missing = group && MISSING.exec(line);
    if (missing) ((notCompared[group] ??= {})[missing[1]] ??= []).push(`${tree}: ${missing[2]}`);
    const m = group && ROW.exec(line);
    if (!m) continue;
    const [, id, value, toBaseline] = m;
    const row = ((samples[tree][group] ??= {})[id] ??= { values: [], ratios: [] });
    row.values.push(Number(value.replaceAll(',', '')));
    if (toBaseline !== undefined) row.ratios.push(Number(toBaseline));
  }
}

const load0 = os.loadavg();
const t0 = Date.now();
for (let i = 0; i < runs; i++) {
  const order = i % 2 ? ['before', 'after'] : ['after', 'before'];
  for (const tree of order) {
    process.stderr.write(`run ${i + 1}/${runs}: ${tree}\n`);
    runOnce(tree);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toPrecision(3));
const span = (xs) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;
const ratio = (v) => `${v.toFixed(2)}×`;

const la = (l) => l.map((x) => x.toFixed(2)).join(' ');
console.log(`\nafter: ${ROOT}\nbefore: ${BEFORE}`);
console.log(`${runs} runs per tree, alternating, each \`node bench/run.mjs --only ${opts.only} --rounds ${rounds} --no-write\``);
console.log(`load average at start ${la(load0)}, at end ${la(os.loadavg())}; ${Math.round((Date.now() - t0) / 1000)} s`);
for (const group of Object.keys(samples.after)) {
  console.log(`\n${group} (${units.get(group)})\n`);
  console.log(
    '| row | after: median (min–max) | before: median (min–max) | after / before | paired runs: median (min–max) | ' +
      'ratio to baseline: after | before | after / before |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [id, a] of Object.entries(samples.after[group])) {
    const b = samples.before[group]?.[id];
    if (!b?.values.length) continue;
    const paired = a.values.slice(0, b.values.length).map((x, k) => x / b.values[k]);
    const cells = [`\`${id}\``, `${fmt(median(a.values))} (${span(a.values)})`, `${fmt(median(b.values))} (${span(b.values)})`];
    cells.push(ratio(median(a.values) / median(b.values)), `${ratio(median(paired))} (${span(paired)})`);
    if (a.ratios.length && b.ratios.length) {
      cells.push(`${fmt(median(a.ratios))} (${span(a.ratios)})`, `${fmt(median(b.ratios))} (${span(b.ratios)})`);
      cells.push(ratio(median(a.ratios) / median(b.ratios)));
    } else cells.push('—', '—', '—');
    console.log(`| ${cells.join(' | ')} |`);
  }
  for (const [id, why] of Object.entries(notCompared[group] ?? {}))
    console.log(`\n\`${id}\` lacks figures: ${[...new Set(why)].join('; ')}`);
}
