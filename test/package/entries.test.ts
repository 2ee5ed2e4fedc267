// The published entry points, as users load them: ESM and CommonJS, `multiproc` and
// `multiproc/os`, and a CommonJS program starting a process (needs `npm run build`).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import * as sources from '../../src/index.ts';
import { runNode } from '../fixtures/os-helpers.ts';
import { readJson, runScript, tempPath, testedMethods } from '../helpers.ts';

const requireHere = createRequire(import.meta.url);
const cjsUser = fileURLToPath(new URL('../fixtures/package/cjs-user.cjs', import.meta.url));
const esmUser = fileURLToPath(new URL('../fixtures/package/esm-user.mjs', import.meta.url));

describe('package entry points', () => {
  it('exports the same API from ESM and CommonJS', async () => {
    const esm = (await import('multiproc')) as Record<string, unknown>;
    const cjs = requireHere('multiproc') as Record<string, unknown>;
    for (const name of [
      'Process',
      'getContext',
      'setStartMethod',
      'getStartMethod',
      'getAllStartMethods',
      'currentProcess',
      'parentProcess',
      'activeChildren',
      'cpuCount',
      'isMain',
      'SerializationError',
    ]) {
      assert.equal(typeof esm[name], 'function', `ESM ${name}`);
      assert.equal(typeof cjs[name], 'function', `CommonJS ${name}`);
    }
  });

  it('loads one copy of the library through require() and import', async () => {
    const esm = (await import('multiproc')) as Record<string, unknown>;
    const cjs = requireHere('multiproc') as Record<string, unknown>;
    for (const name of ['Process', 'Pool', 'Connection', 'Queue', 'Lock', 'SharedMemory', 'waitReady', 'ProcessError'])
      assert.equal(cjs[name], esm[name], name);
    assert.equal(requireHere('multiproc/os').fork, (await import('multiproc/os')).fork);
  });

  it('recognizes objects of another copy of the library by brand (the sources next to the build)', async () => {
    const built = (await import('multiproc')) as unknown as typeof sources; // the build's classes, typed as the sources'
    const [a, b] = sources.Pipe();
    try {
      assert.notEqual(built.Connection, sources.Connection, 'two copies');
      await a.send('x');
      assert.deepEqual(await built.waitReady([b], 5_000), [b]);
      const cond = new built.Condition(new sources.Lock());
      assert.equal(cond.lock instanceof sources.Lock, true);
      assert.throws(() => new built.Condition({} as never), /Expected `lock` to be a Lock or an RLock/);
      await assert.rejects(built.waitReady([{}] as never, 0), /Expected `objects\[…\]` to be a Connection, a Listener or a Process/);
    } finally {
      a.close();
      b.close();
    }
  });

  it('says what to do when this Node.js cannot require() ES modules', async () => {
    const result = await runNode(['--no-experimental-require-module', '-e', "require('multiproc')"]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /require\('multiproc'\) loads multiproc's ES modules, which this process cannot: it was started with --no-experimental-require-module\. Remove that option, or load it with import\('multiproc'\)/,
    );
  });

  it('exports the POSIX layer from multiproc/os in both formats', async () => {
    const esm = (await import('multiproc/os')) as Record<string, unknown>;
    const cjs = requireHere('multiproc/os') as Record<string, unknown>;
    for (const name of ['fork', 'wait', 'waitpid', 'waitSync', 'waitpidSync', 'getpid', 'getppid', 'kill']) {
      assert.equal(typeof esm[name], 'function', `ESM ${name}`);
      assert.equal(typeof cjs[name], 'function', `CommonJS ${name}`);
    }
  });

  for (const method of testedMethods()) {
    it(`runs a CommonJS program's exported target (${method})`, async () => {
      const path = tempPath('cjs');
      const result = await runScript(cjsUser, [method, path]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /exitCode=0/);
      assert.match(readJson(path).name, /^Process-\d+$/);
    });

    it(`gives an ES module program's target the classes it imports: one copy of the library in the child (${method})`, async () => {
      const path = tempPath('esm');
      const result = await runScript(esmUser, [method, path]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /exitCode=0/);
      assert.deepEqual(readJson(path), { process: true, connection: true, queue: true, received: 'hello', item: 42 });
    });
  }
});
