// The published package as a user gets it: the pack-time prebuild, `npm pack`, then `npm install`
// of the tarball into a fresh `npm init -y` project (offline: the dependency es-module-lexer comes
// as a tarball of the copy in node_modules), which uses the shipped prebuilt addon and compiles
// nothing. There: a CommonJS, an ES module and a TypeScript (tsx) program, `tsc --module node16` on
// a .cts and a .mts file, and the same programs with MULTIPROC_NO_NATIVE=1, where a spawned Process
// is what works. A second project installed with --ignore-scripts gets the addon from the prebuild
// too; without the prebuild, its first native feature says why and what to do, and the advised
// `npm rebuild multiproc` builds it from source. Needs `npm run build`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { fixture, root, runNode, type RunResult } from '../fixtures/os-helpers.ts';
import { tempPath } from '../helpers.ts';

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
const tsxCli = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('NODE_TEST')));
const consumers = [
  'native-error.cjs',
  'all.cjs',
  'basic.mjs',
  'all.ts',
  'lesson.ts',
  'spawn-only.cjs',
  'spawn-only.mjs',
  'types.cts',
  'types.mts',
];
let project = '';
let installOutput = '';
let tarballs: string[] = [];

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

const run = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
  runNode(args, { cwd: project, env: { ...env, ...extraEnv }, timeoutMs: 120_000 });
const noNative = { MULTIPROC_NO_NATIVE: '1' };

describe('the packed tarball, installed into a new project', { timeout: 600_000 }, () => {
  before(() => {
    assert.ok(existsSync(path.join(root, 'dist', 'cjs', 'index.cjs')), 'run `npm run build` first');
    const packs = tempPath('packs');
    project = tempPath('app');
    mkdirSync(packs);
    mkdirSync(project);
    // what `prepack` does (npm pack --ignore-scripts skips it, and the `prepare` build is done)
    execFileSync(process.execPath, [path.join(root, 'scripts', 'prebuild.mjs')], { cwd: root, stdio: 'pipe' });
    npm(['pack', '--ignore-scripts', '--pack-destination', packs], root);
    npm(['pack', '--ignore-scripts', '--pack-destination', packs], path.join(root, 'node_modules', 'es-module-lexer'));
    npm(['init', '-y'], project);
    tarballs = readdirSync(packs).map((file) => path.join(packs, file));
    installOutput = npm(['install', '--offline', '--foreground-scripts', ...tarballs], project);
    for (const file of consumers) copyFileSync(fixture(`package/consumers/${file}`), path.join(project, file));
  });

  it('ships what a user needs and nothing of the sources', () => {
    const installed = path.join(project, 'node_modules', 'multiproc');
    for (const file of [
      'LICENSE',
      'README.md',
      'package.json',
      'dist/index.js',
      'dist/cjs/index.cjs',
      'dist/cjs/index.d.cts',
      'dist/index.d.ts',
      `prebuilds/linux-x64-glibc/multiproc.abi${process.versions.modules}.node`,
    ]) {
      assert.ok(existsSync(path.join(installed, file)), file);
    }
    assert.equal(existsSync(path.join(installed, 'src')), false);
    // Source maps carry their sources (the TypeScript files are not shipped).
    for (const file of readdirSync(path.join(installed, 'dist'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.map'))) {
      const map = JSON.parse(readFileSync(path.join(installed, 'dist', file), 'utf8')) as { sources: string[]; sourcesContent?: unknown[] };
      assert.equal(map.sourcesContent?.filter((text) => typeof text === 'string').length, map.sources.length, file);
    }
    assert.equal(existsSync(path.join(installed, 'test')), false);
  });

  it('installs with the prebuilt addon: nothing compiled, the outcome recorded, native features work', async () => {
    const installed = path.join(project, 'node_modules', 'multiproc');
    assert.match(installOutput, /multiproc: using the prebuilt addon prebuilds\/linux-x64-glibc\/multiproc\.abi\d+\.node/);
    assert.doesNotMatch(installOutput, /gyp/);
    assert.equal(existsSync(path.join(installed, 'build', 'Release')), false, 'no local build');
    const record = JSON.parse(readFileSync(path.join(installed, 'build', 'install-result.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(record['outcome'], 'prebuild');
    assert.equal(record['nodeAbi'], Number(process.versions.modules));
    assert.deepEqual(report(await run(['native-error.cjs'])), { works: true });
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
    const lesson = readFileSync(fixture('package/consumers/lesson.ts'), 'utf8').replace(/^\/\/.*\n/gm, '');
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
      execFileSync(
        process.execPath,
        [
          tsc,
          '--noEmit',
          '--strict',
          '--module',
          'node16',
          '--moduleResolution',
          'node16',
          '--target',
          'es2022',
          '--lib',
          'es2023,esnext.disposable',
          '--types',
          'node',
          '--typeRoots',
          path.join(root, 'node_modules', '@types'),
          file,
        ],
        {
          cwd: project,
          stdio: 'pipe',
        },
      );
    }
  });

  it('without the addon (MULTIPROC_NO_NATIVE=1): a spawned Process from CommonJS, ES module and TypeScript programs', async () => {
    assert.deepEqual(report(await run(['spawn-only.cjs'], noNative)), { startMethod: 'spawn', exitCode: 7, pipe: 'worked' }); // the portable Pipe
    assert.deepEqual(report(await run(['spawn-only.mjs'], noNative)), { startMethod: 'spawn', exitCode: 7 });
    const lesson = await run([tsxCli, 'lesson.ts'], noNative);
    assert.equal(lesson.code, 0, lesson.stderr);
    assert.match(lesson.stdout, /^hello Bob\nexit code 0 start method spawn$/m);
  });
});

describe('the packed tarball, installed with --ignore-scripts', { timeout: 600_000 }, () => {
  let bare = '';
  const installed = () => path.join(bare, 'node_modules', 'multiproc');
  const runBare = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
    runNode(args, { cwd: bare, env: { ...env, ...extraEnv }, timeoutMs: 120_000 });

  before(() => {
    assert.ok(tarballs.length > 0, 'the first describe packs the tarballs');
    bare = tempPath('bare-app');
    mkdirSync(bare);
    npm(['init', '-y'], bare);
    npm(['install', '--offline', '--ignore-scripts', ...tarballs], bare);
    for (const file of ['native-error.cjs', 'basic.mjs']) copyFileSync(fixture(`package/consumers/${file}`), path.join(bare, file));
  });

  it('gets the addon from the prebuild: a shared array and a Pool work', async () => {
    assert.equal(existsSync(path.join(installed(), 'build')), false, 'the install script did not run');
    assert.deepEqual(report(await runBare(['native-error.cjs'])), { works: true });
    assert.deepEqual((report(await runBare(['basic.mjs', 'forkserver'])) as { map: number[] }).map, [1, 4, 9]);
  });

  it('without a fitting prebuild, the first native feature says the install script did not run and to run `npm rebuild multiproc`', async () => {
    renameSync(path.join(installed(), 'prebuilds'), path.join(installed(), 'prebuilds-moved'));
    const { name, message } = report(await runBare(['native-error.cjs'])) as { name: string; message: string };
    assert.equal(name, 'NativeUnavailableError');
    assert.match(
      message,
      /^.+ needs multiproc's native addon, which is unavailable: multiproc's install script did not run \(installed with --ignore-scripts/,
    );
    assert.match(message, /no prebuilt addon fits this system \(linux-x64-glibc, Node ABI \d+/);
    assert.match(message, /run `npm rebuild multiproc` in your project \(building needs python3, make and a C\+\+ compiler/);
    assert.match(message, /prebuilds\/linux-x64-glibc\/multiproc\.abi\d+\.node does not exist/);
  });

  it('after a failed build (no python3 on PATH), the first native feature gives the failure and the prerequisites', async () => {
    assert.equal(existsSync(path.join(installed(), 'prebuilds')), false, 'runs after the prebuild was moved');
    const bin = tempPath('bin-node-only');
    mkdirSync(bin);
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const script = await runBare([path.join(installed(), 'scripts', 'build-native.mjs')], { PATH: bin });
    assert.equal(script.code, 0, 'a failed build does not fail the install');
    assert.match(
      script.stderr,
      /multiproc: warning: building the native addon failed: node-gyp rebuild exited with code 1 \(Error: Could not find any Python/,
    );
    const { name, message } = report(await runBare(['native-error.cjs'])) as { name: string; message: string };
    assert.equal(name, 'NativeUnavailableError');
    assert.match(
      message,
      /unavailable: building the native addon at install failed: node-gyp rebuild exited with code 1 \(Error: Could not find any Python installation to use\) \(details/,
    );
    assert.match(
      message,
      /\(details in \S+build\/install-result\.json\); install python3, make and a C\+\+ compiler .*then run `npm rebuild multiproc`/,
    );
  });

  it('`npm rebuild multiproc`, as the message says, builds the addon from source (offline) and native features work', async () => {
    npm(['rebuild', 'multiproc', '--offline'], bare);
    const record = JSON.parse(readFileSync(path.join(installed(), 'build', 'install-result.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(record['outcome'], 'built');
    assert.match(String(record['prebuild']), /^no prebuild for this system \(prebuilds\/linux-x64-glibc\/multiproc\.abi\d+\.node\)$/);
    assert.ok(existsSync(path.join(installed(), 'build', 'Release', 'multiproc.node')));
    assert.deepEqual(report(await runBare(['native-error.cjs'])), { works: true });
  });
});
