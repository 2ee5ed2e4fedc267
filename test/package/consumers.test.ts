// The package as its users load it, after `npm run build`: a CommonJS `.cjs` program, a
// TypeScript program in a CommonJS project (package.json "type": "commonjs", what `npm init -y`
// writes) run by tsx, and `multiproc run`; each exercises every public class across a child
// and a Pool under each start method (test/fixtures/package/consumers/all.*), and the examples run there
// too. One copy of the library whatever the entry: a child's objects are instances of the
// classes its module required (`instanceof`), waitReady accepts them, Pool workers run.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { getAllStartMethods, type StartMethod } from '../../src/index.ts';
import { fixture, root, runNode, type RunResult } from '../fixtures/os-helpers.ts';
import { tempPath } from '../helpers.ts';

const methods = getAllStartMethods();
const cli = path.join(root, 'dist', 'cli', 'main.js');
const tsxCli = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const tsxLoader = pathToFileURL(path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const preload = fixture('package/consumers/start-method.cjs');
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('NODE_TEST')));

/** A CommonJS project as `npm init -y` makes it, with this package installed (a link) and the TypeScript consumer and examples copied in. */
function commonJsProject(): string {
  const dir = tempPath('cjs-project');
  mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', main: 'index.js', type: 'commonjs' }));
  symlinkSync(root, path.join(dir, 'node_modules', 'multiproc'));
  copyFileSync(fixture('package/consumers/all.ts'), path.join(dir, 'all.ts'));
  for (const file of examples) copyFileSync(path.join(root, 'examples', file), path.join(dir, file));
  return dir;
}

const examples = readdirSync(path.join(root, 'examples')).filter((file) => /^0[4-9]-.*\.ts$/.test(file));
// What each example prints when it worked (test/*/example.test.ts check them in detail).
const exampleOutcome: Record<string, (method: StartMethod) => RegExp> = {
  '04-process.ts': (method) => new RegExp(`exit codes: 0, 0 \\(start method: ${method}\\)`),
  '05-pipe.ts': () => /ready: the pipe[^]*parent got raw bytes, no serialization/,
  '06-shared-memory.ts': () => /squared: \[ 1, 4, 9, 16, 25, 36 \] done: 6 children: 2/,
  '07-lock.ts': () => /the holder \(pid \d+\) died; this process holds the lock now/,
  '08-pool.ts': () => /RangeError: 3 is not allowed/,
  '09-pool-trace.ts': () => /trace written to /,
};

function assertReport(result: RunResult, method: StartMethod): void {
  assert.equal(result.code, 0, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
  const line = result.stdout.split('\n').find((l) => l.startsWith('REPORT '));
  assert.ok(line, result.stdout);
  assert.deepEqual(JSON.parse(line.slice('REPORT '.length)), {
    method,
    child: { ready: 1, ping: 'ping', name: 'Process-1', startMethod: method, instances: true, items: [1, 2, 3], barrier: 'number' },
    exitCode: 0,
    waitedProcess: true,
    shared: [2, 7, 9, 42],
    greeting: 'hello from Greeter-2',
    map: [1, 4, 9, 16],
    apply: 25,
    imapUnordered: [36, 49],
  });
}

function assertExample(file: string, method: StartMethod, result: RunResult): void {
  assert.equal(result.code, 0, `${file} (${method}) stdout: ${result.stdout}\nstderr: ${result.stderr}`);
  assert.match(result.stdout, exampleOutcome[file]!(method));
}

const run = (args: string[], cwd = root, extraEnv: NodeJS.ProcessEnv = {}) =>
  runNode(args, { cwd, env: { ...env, ...extraEnv }, timeoutMs: 120_000 });
const exampleArgs = (file: string, method: StartMethod) => (file === '09-pool-trace.ts' ? [tempPath('trace.json'), method] : []);

describe('a CommonJS program (.cjs, require)', () => {
  for (const method of methods) {
    it(`uses every public class and a Pool (${method})`, async () => {
      const flags = method === 'fork' ? ['--single-threaded'] : [];
      assertReport(await run([...flags, fixture('package/consumers/all.cjs'), method]), method);
    });
  }
});

describe('TypeScript in a CommonJS project, run by tsx', () => {
  const project = commonJsProject();
  for (const method of methods) {
    if (method === 'fork') {
      it('refuses the fork start method, pointing to multiproc run (tsx runs a loader thread)', async () => {
        const result = await run([tsxCli, 'all.ts', method], project);
        assert.equal(result.code, 1);
        assert.match(result.stderr, /StartMethodError[^]*multiproc run/);
      });
      continue;
    }
    it(`uses every public class and a Pool (${method})`, async () => {
      assertReport(await run([tsxCli, 'all.ts', method], project), method);
    });
    it(`runs every example (${method})`, async () => {
      for (const file of examples) {
        const result = await run(['--require', preload, '--import', tsxLoader, file, ...exampleArgs(file, method)], project, {
          MULTIPROC_TEST_START_METHOD: method,
        });
        assertExample(file, method, result);
      }
    });
  }
});

describe('multiproc run (TypeScript compiled to CommonJS)', () => {
  const project = commonJsProject();
  for (const method of methods) {
    it(`uses every public class and a Pool, in a CommonJS project (${method})`, async () => {
      assertReport(await run([cli, 'run', 'all.ts', method], project), method);
    });
    it(`uses every public class and a Pool, from a .cjs program (${method})`, async () => {
      assertReport(await run([cli, 'run', fixture('package/consumers/all.cjs'), method]), method);
    });
    it(`runs every example of the repository (${method})`, async () => {
      for (const file of examples) {
        const result = await run(['--require', preload, cli, 'run', path.join('examples', file), ...exampleArgs(file, method)], root, {
          MULTIPROC_TEST_START_METHOD: method,
        });
        assertExample(file, method, result);
      }
    });
  }
});
