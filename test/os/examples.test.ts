// The seed's examples 1-3 (examples/0[1-3]-*.ts) run through `multiproc run`, with their outcomes.
// They import 'multiproc/os', i.e. the build: run `npm run build` first (npm test does).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadNative } from '../../src/native/binding.ts';
import { fixture, root, runNode, zombiesOf } from '../fixtures/os-helpers.ts';

const example = (name: string) => path.join(root, 'examples', name);
const cli = (args: string[]) => runNode(['--import', 'tsx', fixture('os/run-cli.ts'), ...args], { timeoutMs: 30_000 });

before(() => {
  assert.ok(existsSync(path.join(root, 'dist/cjs/os.cjs')), 'the examples import multiproc/os from the build: run `npm run build` first');
});
after(() => assert.deepEqual(zombiesOf(), []));

/** Resolve once process `pid` has ended (a pidfd works for any process, not only our children). */
function ended(pid: number, timeoutMs: number): boolean {
  const native = loadNative()!;
  let fd: number;
  try {
    fd = native.pidfdOpen(pid);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw error;
  }
  try {
    return native.pollReadable([fd], timeoutMs).length === 1;
  } finally {
    native.close(fd);
  }
}

test('01-fork-wait: the child prints its pid each second; the parent waits and reports its end', async () => {
  const run = await cli([example('01-fork-wait.ts'), '2']);
  assert.equal(run.code, 0, run.stderr);
  // Parent and child run at once after fork(), as in C: either may print first.
  const lines = run.stdout.trim().split('\n');
  const at = lines.findIndex((line) => line.startsWith('parent '));
  assert.ok(at === 0 || at === 1, run.stdout);
  const [, parent, child] = /^parent (\d+): forked child (\d+), waiting for it$/.exec(lines.splice(at, 1)[0]!) ?? [];
  assert.ok(parent && child, run.stdout);
  assert.notEqual(parent, child);
  assert.deepEqual(lines, [
    `child ${child}: still running`,
    `child ${child}: still running`,
    `parent ${parent}: child ${child} ended with exit code 0, signal null`,
  ]);
});

test('01-fork-wait without a count: Ctrl+C (SIGINT to the process group) ends parent and child', async () => {
  const cmd = spawn(process.execPath, ['--import', 'tsx', fixture('os/run-cli.ts'), example('01-fork-wait.ts')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => cmd.on('exit', (code, signal) => resolve(signal ?? code)));
  const pids = await new Promise<[number, number]>((resolve) => {
    cmd.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /parent (\d+): forked child (\d+)[\s\S]*child \2: still running/.exec(stdout);
      if (match) resolve([Number(match[1]), Number(match[2])]);
    });
  });
  process.kill(-cmd.pid!, 'SIGINT');
  assert.equal(await exited, 'SIGINT');
  assert.ok(ended(pids[0], 10_000), 'the parent ended');
  assert.ok(ended(pids[1], 10_000), 'the child ended');
});

test('02-copied-memory: foo changed in the child only', async () => {
  const run = await cli([example('02-copied-memory.ts')]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'child: foo = changed by the child\nparent: foo = set by the parent before fork()\n');
});

test('03-shared-fd: parent and child write through one descriptor; the offset is shared', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'multiproc-03-'));
  const file = path.join(dir, 'shared.txt');
  try {
    const run = await cli([example('03-shared-fd.ts'), file]);
    assert.equal(run.code, 0, run.stderr);
    const content = readFileSync(file, 'utf8');
    const lines = content.split('\n');
    assert.match(lines[0]!, /^child \d+ wrote this line$/);
    assert.match(lines[1]!, /^parent \d+ wrote this line, after the child's$/);
    assert.equal(lines.length, 3, 'two lines, nothing overwritten');
    assert.equal(run.stdout, content);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
