// The soak and chaos runner (`npm run soak`; not part of `npm test`, whose test/soak/ files run
// each scenario for a few cases). Runs every scenario, prints one table, and exits non-zero on
// any failure. Bounded: every call has a deadline that counts as a failure.
//
//   npm run soak -- [--scale 0.1] [--only cycles,fuzz] [--methods fork,spawn]
//
// --scale (or SOAK_SCALE) multiplies every count (at least 1 case each): 1 is the full soak
// (10,000 start→join cycles under fork and forkserver, 1,000 under spawn; 200 Pool maps with a
// worker killed; 100 killed trees; 20 Ctrl+C's and 20 killed Lock holders per method; 100,000
// cases per decoder). See bench/SOAK.md for the figures of a run.
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { getAllStartMethods, type StartMethod } from '../../src/index.ts';
import { ctrlC } from './ctrl-c.ts';
import { cycles } from './cycles.ts';
import { fuzzFrames } from './fuzz-frames.ts';
import { fuzzLane } from './fuzz-lane.ts';
import { fuzzPrep } from './fuzz-prep.ts';
import { fuzzQueue } from './fuzz-queue.ts';
import { lockOwnerDeaths } from './lock-owner.ts';
import { parentKills } from './parent-kill.ts';
import { poolKills } from './pool-kill.ts';
import { Failures, row, scaled, type Row } from './row.ts';

type Scenario = (methods: StartMethod[], scale: number) => AsyncGenerator<Row | Promise<Row>>;

const FULL_CYCLES: Record<StartMethod, number> = { fork: 10_000, forkserver: 10_000, spawn: 1_000 };

const scenarios: Record<string, Scenario> = {
  async *fuzz(_methods, scale) {
    for (const fuzz of [fuzzFrames, fuzzLane, fuzzQueue, fuzzPrep]) yield fuzz(scaled(100_000, scale));
  },
  async *'lock-owner'(methods, scale) {
    for (const method of methods) yield lockOwnerDeaths(method, scaled(20, scale));
  },
  async *'ctrl-c'(methods, scale) {
    for (const method of methods) yield ctrlC(method, scaled(20, scale));
  },
  async *'pool-kill'(methods, scale) {
    for (const method of methods) yield poolKills(method, scaled(200, scale));
  },
  async *'parent-kill'(methods, scale) {
    yield parentKills(methods, scaled(100, scale));
  },
  async *cycles(methods, scale) {
    for (const method of methods) yield cycles(method, scaled(FULL_CYCLES[method], scale));
  },
};

function options(): { scale: number; only: string[]; methods: StartMethod[] } {
  const { values } = parseArgs({
    options: { scale: { type: 'string' }, only: { type: 'string' }, methods: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) {
    console.log(`Usage: npm run soak -- [--scale N] [--only ${Object.keys(scenarios).join(',')}] [--methods spawn,forkserver,fork]
  --scale N    multiply every scenario's count (default 1, or SOAK_SCALE); 0.01 for a quick look
  --only L     run these scenarios (comma-separated; default: all)
  --methods L  start methods for the scenarios that depend on one (default: every available)
Prints one table; exits 1 on any failure. Figures and commands: bench/SOAK.md.`);
    process.exit(0);
  }
  const scale = Number(values.scale ?? process.env['SOAK_SCALE'] ?? 1);
  if (!(scale > 0))
    throw new RangeError(`Expected \`--scale\` to be a positive number, got \`${values.scale ?? process.env['SOAK_SCALE']}\`.`);
  const only = values.only?.split(',') ?? Object.keys(scenarios);
  for (const name of only)
    if (!(name in scenarios))
      throw new RangeError(`Expected \`--only\` to name scenarios of ${Object.keys(scenarios).join(', ')}, got \`${name}\`.`);
  const available = getAllStartMethods().filter((m) => m !== 'fork' || process.execArgv.includes('--single-threaded'));
  const methods = (values.methods?.split(',') ?? available) as StartMethod[];
  for (const method of methods)
    if (!available.includes(method))
      throw new RangeError(`Expected \`--methods\` to name start methods of ${available.join(', ')}, got \`${method}\`.`);
  return { scale, only, methods };
}

function print(rows: Row[]): void {
  const cells = rows.map((r) => [
    r.scenario,
    r.subject,
    String(r.cases),
    String(r.failureCount),
    `${(r.ms / 1000).toFixed(1)} s`,
    r.figures,
  ]);
  const header = ['scenario', 'subject', 'cases', 'failures', 'time', 'figures'];
  console.log(`\n| ${header.join(' | ')} |\n| ${header.map(() => '---').join(' | ')} |`);
  for (const line of cells) console.log(`| ${line.join(' | ')} |`);
  for (const r of rows.filter((r) => r.failureCount > 0)) {
    console.log(
      `\n${r.scenario} (${r.subject}): ${r.failureCount} failures${r.failureCount > r.failures.length ? `, the first ${r.failures.length}` : ''}`,
    );
    for (const failure of r.failures) console.log(`  - ${failure}`);
  }
}

async function main(): Promise<void> {
  const { scale, only, methods } = options();
  const startedAt = performance.now();
  const load = () =>
    loadavg()
      .map((n) => n.toFixed(2))
      .join(' ');
  console.log(
    `soak: scale ${scale}, scenarios ${only.join(', ')}, methods ${methods.join(', ')}; node ${process.version}, ${cpus().length} CPUs, load average ${load()}`,
  );
  const rows: Row[] = [];
  for (const name of only) {
    const begun = performance.now();
    try {
      for await (const r of (scenarios[name] as Scenario)(methods, scale)) {
        rows.push(r);
        console.log(`  ${r.scenario} (${r.subject}): ${r.cases} cases, ${r.failureCount} failures, ${(r.ms / 1000).toFixed(1)} s`);
      }
    } catch (error) {
      const failures = new Failures();
      failures.add(`the scenario threw: ${(error as Error).stack ?? String(error)}`);
      rows.push(row(name, '-', 0, failures, '', begun));
    }
  }
  print(rows);
  const failed = rows.reduce((sum, r) => sum + r.failureCount, 0);
  console.log(
    `\nsoak: ${failed === 0 ? 'no failures' : `${failed} failures`} in ${((performance.now() - startedAt) / 60000).toFixed(1)} min; load average ${load()}`,
  );
  process.exitCode = failed === 0 ? 0 : 1;
}

void main();
