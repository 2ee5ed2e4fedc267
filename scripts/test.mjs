// The test command: every test/**/*.test.ts under node:test (through tsx), then a check that
// no child process, zombie or shared-memory segment was left behind. The tests run with
// --single-threaded so the `fork` start method is covered too, and --expose-internals so forked
// children of this tsx-loaded process get an in-thread module loader (src/loading/in-thread-loader.ts).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

function collect(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'fixtures' && entry.name !== 'stress') out.push(...collect(path));
    } else if (entry.name.endsWith('.test.ts')) out.push(path);
  }
  return out.sort();
}

// `--portable`: the portable subset (the files that apply without the addon: test/portable, and
// the Pool, Process and error tests, which cover every start method on offer, here spawn alone),
// run with MULTIPROC_NO_NATIVE=1 so every process of it takes the portable path (README, "Platforms").
const PORTABLE = [
  ...collect('test/portable'),
  'test/context/context.test.ts',
  'test/errors.test.ts',
  'test/pool/basic.test.ts',
  'test/pool/chunk.test.ts',
  'test/pool/exit.test.ts',
  'test/pool/lazy.test.ts',
  'test/pool/lifetime.test.ts',
  'test/pool/types.test.ts',
  'test/process/arguments.test.ts',
  'test/process/conventions.test.ts',
  'test/process/exit-rules.test.ts',
  'test/process/lifecycle.test.ts',
  'test/process/python-pieces.test.ts',
  'test/wire/frame-fuzz.test.ts',
];
const portable = process.argv[2] === '--portable';
const named = process.argv.slice(portable ? 3 : 2);
const files = named.length > 0 ? named : portable ? PORTABLE : collect('test');
const shmBefore = listShm();
// TypeScript is compiled in the main thread (tsx's CommonJS hook plus multiproc's in-thread
// preload, as `multiproc run` does), not by tsx's ESM loader: its hooks thread is a second V8
// isolate, and a process with one cannot fork safely (docs/DECISIONS.md, "TypeScript under fork").
const loader = ['--require', 'tsx/cjs', '--require', './dist/loading/in-thread-ts.js'];
const result = spawnSync(
  process.execPath,
  ['--single-threaded', '--expose-internals', ...loader, '--test', '--test-reporter=spec', '--test-timeout=300000', ...files],
  {
    stdio: 'inherit',
    env: { ...process.env, ESBUILD_WORKER_THREADS: '0', ...(portable ? { MULTIPROC_NO_NATIVE: '1' } : {}) },
  },
);
let status = result.status ?? 1;

// Anything of ours still alive or unreaped is a leak.
const leaks = [];
for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (Number(fields[1]) === process.pid || (cmdline.startsWith('multiproc:') && Number(fields[1]) === 1))
      leaks.push(`${pid} ${fields[0]} ${cmdline.replaceAll('\0', ' ')}`);
  } catch {
    // gone while reading
  }
}
const shmLeaks = listShm().filter((name) => !shmBefore.includes(name));
if (leaks.length > 0) {
  console.error(`\nLeaked processes after the tests:\n${leaks.join('\n')}`);
  status ||= 1;
}
if (shmLeaks.length > 0) {
  console.error(`\nLeaked shared memory segments after the tests:\n${shmLeaks.join('\n')}`);
  status ||= 1;
}
process.exit(status);

function listShm() {
  return existsSync('/dev/shm') ? readdirSync('/dev/shm').filter((name) => name.startsWith('mp-')) : [];
}
