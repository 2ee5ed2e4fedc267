// The published package as a user gets it: `npm pack`, then `npm install` of the tarball into a
// fresh `npm init -y` project (offline: the dependency es-module-lexer comes as a tarball of the
// copy in node_modules), which builds the addon. There: a CommonJS, an ES module and a TypeScript
// (tsx) program, `tsc --module node16` on a .cts and a .mts file, and the same programs with
// MULTIPROC_NO_NATIVE=1, where a spawned Process is what works. Needs `npm run build`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { fixture, root, runNode, type RunResult } from '../fixtures/os-helpers.ts';
import { tempPath } from '../helpers.ts';

const npm = (args: string[], cwd: string) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const tsxCli = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('NODE_TEST')));
const consumers = ['all.cjs', 'basic.mjs', 'all.ts', 'lesson.ts', 'spawn-only.cjs', 'spawn-only.mjs', 'types.cts', 'types.mts'];
let project = '';

/** The parts of all.cjs / all.ts's report checked here (test/package/consumers.test.ts checks all of it). */
interface Full {
  map: number[];
  child: { instances: boolean };
}

function report(result: RunResult): unknown {
  assert.equal(result.code, 0, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
  const line = result.stdout.split('\n').find((l) => l.startsWith('REPORT '));
  assert.ok(line, result.stdout);
  return JSON.parse(line.slice('REPORT '.length));
}

const run = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => runNode(args, { cwd: project, env: { ...env, ...extraEnv }, timeoutMs: 120_000 });
const noNative = { MULTIPROC_NO_NATIVE: '1' };

describe('the packed tarball, installed into a new project', { timeout: 600_000 }, () => {
  before(() => {
    assert.ok(existsSync(path.join(root, 'dist', 'cjs', 'index.cjs')), 'run `npm run build` first');
    const packs = tempPath('packs');
    project = tempPath('app');
    mkdirSync(packs);
    mkdirSync(project);
    npm(['pack', '--ignore-scripts', '--pack-destination', packs], root);
    npm(['pack', '--ignore-scripts', '--pack-destination', packs], path.join(root, 'node_modules', 'es-module-lexer'));
    npm(['init', '-y'], project);
    const tarballs = readdirSync(packs).map((file) => path.join(packs, file));
    npm(['install', '--offline', ...tarballs], project);
    for (const file of consumers) copyFileSync(fixture(`consumers/${file}`), path.join(project, file));
  });

  it('ships what a user needs and nothing of the sources', () => {
    const installed = path.join(project, 'node_modules', 'multiproc');
    for (const file of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/cjs/index.cjs', 'dist/cjs/index.d.cts', 'dist/index.d.ts', 'build/Release/multiproc.node']) {
      assert.ok(existsSync(path.join(installed, file)), file);
    }
    assert.equal(existsSync(path.join(installed, 'src')), false);
    // Source maps carry their sources (the TypeScript files are not shipped).
    for (const file of readdirSync(path.join(installed, 'dist'), { recursive: true }).map(String).filter((f) => f.endsWith('.map'))) {
      const map = JSON.parse(readFileSync(path.join(installed, 'dist', file), 'utf8')) as { sources: string[]; sourcesContent?: unknown[] };
      assert.equal(map.sourcesContent?.filter((text) => typeof text === 'string').length, map.sources.length, file);
    }
    assert.equal(existsSync(path.join(installed, 'test')), false);
  });

  it('runs a CommonJS program: every public class and a Pool (spawn, forkserver)', async () => {
    for (const method of ['spawn', 'forkserver']) {
      const { map, child } = report(await run(['all.cjs', method])) as Full;
      assert.deepEqual(map, [1, 4, 9, 16], method);
      assert.equal(child.instances, true, `${method}: one copy of the library in the child`);
    }
  });

  it('runs an ES module program: Process, Pipe, Queue and a Pool', async () => {
    assert.deepEqual(report(await run(['basic.mjs', 'spawn'])), {
      answer: { got: 'ping', connection: true, process: true },
      name: 'Process-1',
      exitCode: 0,
      map: [1, 4, 9],
    });
  });

  it('has the README lesson for a CommonJS project as the file it runs', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const block = /## In your project[^]*?```ts\n([^]*?)```/.exec(readme)?.[1];
    const lesson = readFileSync(fixture('consumers/lesson.ts'), 'utf8').replace(/^\/\/.*\n/gm, '');
    assert.equal(block, lesson);
  });

  it('runs TypeScript in the CommonJS project with tsx: every public class, and the README lesson', async () => {
    const { map, child } = report(await run([tsxCli, 'all.ts', 'forkserver'])) as Full;
    assert.deepEqual(map, [1, 4, 9, 16]);
    assert.equal(child.instances, true, 'one copy of the library in the child');
    const lesson = await run([tsxCli, 'lesson.ts']);
    assert.equal(lesson.code, 0, lesson.stderr);
    assert.match(lesson.stdout, /^hello Bob\nexit code 0 start method forkserver$/m);
  });

  it('type-checks a .cts and a .mts consumer under --module node16', () => {
    for (const file of ['types.cts', 'types.mts']) {
      execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2022', '--lib', 'es2023,esnext.disposable', '--types', 'node', '--typeRoots', path.join(root, 'node_modules', '@types'), file], {
        cwd: project,
        stdio: 'pipe',
      });
    }
  });

  it('without the addon (MULTIPROC_NO_NATIVE=1): a spawned Process from CommonJS, ES module and TypeScript programs', async () => {
    assert.deepEqual(report(await run(['spawn-only.cjs'], noNative)), { startMethod: 'spawn', exitCode: 7, pipe: 'NativeUnavailableError' });
    assert.deepEqual(report(await run(['spawn-only.mjs'], noNative)), { startMethod: 'spawn', exitCode: 7 });
    const lesson = await run([tsxCli, 'lesson.ts'], noNative);
    assert.equal(lesson.code, 0, lesson.stderr);
    assert.match(lesson.stdout, /^hello Bob\nexit code 0 start method spawn$/m);
  });
});
