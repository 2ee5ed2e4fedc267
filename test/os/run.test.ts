// `multiproc run`: flags, exit codes and signals forwarded, and TypeScript that stays importable
// in a forked child (docs/DECISIONS.md, "TypeScript under fork").
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { forwardedExecArgv } from '../../src/cli/run.ts';
import { hasPublicHooks } from '../../src/loading/ts-hooks.ts';
import { fixture, root, runNode, zombiesOf } from '../fixtures/os-helpers.ts';

const cli = (args: string[]) => runNode(['--import', 'tsx', fixture('os/run-cli.ts'), ...args], { timeoutMs: 30_000 });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'multiproc-run-'));
after(() => {
  rmSync(tmp, { recursive: true, force: true });
  assert.deepEqual(zombiesOf(), []);
});

/** A .ts module with content nobody compiled before, so the forked child must compile it. */
function uniqueModule(): string {
  const file = path.join(tmp, `unique-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, `export function unique(): string { return ${JSON.stringify(path.basename(file))} as string; }\n`);
  return file;
}

test('a .ts script forks after importing TypeScript, and the child import()s more TypeScript', async () => {
  const unique = uniqueModule();
  const run = await cli([fixture('os/run-main.ts'), unique, uniqueModule()]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  const child = JSON.parse(lines.find((l) => l.startsWith('child:'))!.slice(6)) as Record<string, unknown>;
  assert.deepEqual(child, { answer: 42, label: 'dynamic:x', unique: path.basename(unique) });
  const result = JSON.parse(lines.find((l) => l.startsWith('result:'))!.slice(7)) as { exitCode: number };
  assert.equal(result.exitCode, 0);
});

test("under tsx's ESM loader (--import tsx), fork() refuses, --expose-internals or not (its hooks thread makes fork() unsafe)", async () => {
  for (const flags of [
    ['--single-threaded', '--import', 'tsx'],
    ['--single-threaded', '--expose-internals', '--import', 'tsx'],
  ]) {
    const refused = await runNode([...flags, fixture('os/run-main.ts'), uniqueModule()], { timeoutMs: 30_000 });
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /StartMethodError: fork\(\) cannot be used here: this process loads modules through hooks on a loader thread/,
    );
    assert.match(refused.stderr, /npx multiproc run FILE/);
    assert.doesNotMatch(refused.stdout, /parent:forked/);
  }
});

test('runs .mjs under --single-threaded with the arguments, top-level await included; forwards the exit code', async () => {
  const run = await cli([fixture('os/run-exit.mjs'), '5', 'two words']);
  assert.equal(run.code, 5);
  assert.deepEqual(JSON.parse(run.stdout), { singleThreaded: true, args: ['5', 'two words'] });
});

test('a script killed by a signal kills `multiproc run` with the same signal', async () => {
  const run = await cli([fixture('os/run-exit.mjs'), 'SIGTERM']);
  assert.equal(run.signal, 'SIGTERM');
});

test('a signal sent to `multiproc run` alone reaches the script', async () => {
  // The script waits for the signal: one that could end on its own first would race the kill.
  const child = spawn(process.execPath, ['--import', 'tsx', fixture('os/run-cli.ts'), fixture('os/run-wait.ts')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let script = 0;
  const result = await new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.stdout.setEncoding('utf8').once('data', (line: string) => {
      script = Number(/waiting (\d+)/.exec(line)?.[1]);
      child.kill('SIGTERM');
    });
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  assert.equal(result.signal, 'SIGTERM');
  assert.ok(script > 0);
  // `multiproc run` ends only after its script did (and was reaped): the script is gone too.
  assert.throws(() => process.kill(script, 0), { code: 'ESRCH' });
});

test('top-level await in a .ts script: works with public module hooks, else a clear error; a missing file: exit code 2', async () => {
  const file = path.join(tmp, 'tla.ts');
  writeFileSync(file, 'const value: number = await Promise.resolve(41);\nconsole.log(value + 1);\n');
  const run = await cli([file]);
  if (hasPublicHooks()) {
    // Node >= 22.15: TypeScript compiled by in-thread hooks, top-level await included
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), '42');
  } else {
    assert.equal(run.code, 1);
    assert.match(run.stderr, /multiproc run compiles TypeScript in the main thread/);
    assert.match(run.stderr, /async function main/);
  }
  const missing = await cli([path.join(tmp, 'nope.ts')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /does not exist/);
  const none = await cli([]);
  assert.equal(none.code, 2);
});

test('forwardedExecArgv drops inspector flags and tsx loaders, keeps the rest', () => {
  assert.deepEqual(
    forwardedExecArgv([
      '--inspect',
      '--inspect-brk=9230',
      '--inspect-port',
      '9229',
      '--import',
      'tsx',
      '--import=tsx/esm',
      '--loader',
      '/x/node_modules/tsx/dist/loader.mjs',
      '--require',
      '/x/node_modules/tsx/dist/cjs/index.cjs',
      '--max-old-space-size=256',
      '--import',
      './setup.mjs',
      '--single-threaded',
      '--enable-source-maps',
    ]),
    ['--max-old-space-size=256', '--import', './setup.mjs', '--enable-source-maps'],
  );
});
