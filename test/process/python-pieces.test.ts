// Python pieces: registerAfterFork() and canFork() exported, cpuCount() and availableParallelism(),
// Process.interrupt().
import assert from 'node:assert/strict';
import { cpus, availableParallelism as osParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { availableParallelism, canFork, cpuCount, getContext, registerAfterFork, SharedArray, Value } from '../../src/index.ts';
import { normalizePoolOptions } from '../../src/pool/options.ts';
import { registerExtraHook, reportHooks } from '../fixtures/process/after-fork-targets.ts';
import { waitForInterrupt } from '../fixtures/process/interrupt-targets.ts';
import { joinOrExplain } from '../diagnose.ts';
import { readJson, tempPath, testedMethods, track, waitForFile } from '../helpers.ts';

describe('cpuCount and availableParallelism', () => {
  it('cpuCount counts every CPU, availableParallelism those this process may use', () => {
    assert.equal(cpuCount(), cpus().length);
    assert.equal(availableParallelism(), osParallelism());
    assert.ok(availableParallelism() <= cpuCount());
    assert.equal(getContext('spawn').cpuCount, cpuCount);
    assert.equal(getContext('spawn').availableParallelism, availableParallelism);
  });

  it('a Pool defaults to availableParallelism() workers', () => {
    assert.equal(normalizePoolOptions({}).processes, availableParallelism());
  });
});

describe('canFork', () => {
  it('is true exactly in a --single-threaded Linux main thread', () => {
    assert.equal(canFork(), process.platform === 'linux' && process.execArgv.includes('--single-threaded'));
  });
});

describe('registerAfterFork', () => {
  it('refuses a hook that is not a function, in the house format', () => {
    assert.throws(() => registerAfterFork('x' as never), {
      name: 'TypeError',
      message: 'Expected `hook` to be a function, got `"x"` (string).',
    });
  });

  it('does not run hooks in the process that registers them', () => {
    assert.equal((globalThis as { moduleHook?: number }).moduleHook, undefined);
  });

  for (const method of testedMethods()) {
    const { Process } = getContext(method);
    it(`runs hooks once in the child before its target (${method})`, async () => {
      const path = tempPath('hooks');
      const p = track(new Process({ target: reportHooks, args: [path] }));
      p.start();
      await p.join();
      assert.equal(p.exitCode, 0);
      assert.equal(readJson(path).moduleHook, 1);
    });
  }

  if (testedMethods().includes('fork')) {
    it('runs a hook registered in the parent in a forked child, until unregistered (fork)', async () => {
      const { Process } = getContext('fork');
      const unregister = registerExtraHook();
      const first = tempPath('hooks');
      const p = track(new Process({ target: reportHooks, args: [first] }));
      p.start();
      await p.join();
      unregister();
      const second = tempPath('hooks');
      const q = track(new Process({ target: reportHooks, args: [second] }));
      q.start();
      await q.join();
      assert.equal(readJson(first).extraHook, 1);
      assert.equal(readJson(second).extraHook, 0);
    });
  }
});

for (const method of testedMethods()) {
  const { Process } = getContext(method);
  describe(`Process.interrupt (${method})`, () => {
    it('ends a child that does not listen for SIGINT with exitCode -2', async () => {
      const ready = tempPath('ready');
      const p = track(new Process({ target: waitForInterrupt, args: [ready, false] }));
      p.start();
      await waitForFile(ready);
      p.interrupt();
      assert.equal(await joinOrExplain(p), -2);
    });

    it("lets a child catch it with process.on('SIGINT')", async () => {
      const ready = tempPath('ready');
      const p = track(new Process({ target: waitForInterrupt, args: [ready, true] }));
      p.start();
      await waitForFile(ready);
      p.interrupt();
      assert.equal(await joinOrExplain(p), 7);
    });

    it('refuses before start() with a ProcessStateError', () => {
      const p = new Process({ target: waitForInterrupt, args: ['', false] });
      assert.throws(() => p.interrupt(), { name: 'ProcessStateError', message: /Cannot interrupt Process-\d+: it was not started/ });
    });
  });
}

describe("Value and SharedArray of Python's 'c', '?', 'u'", () => {
  for (const code of ['c', '?', 'u']) {
    it(`refuses '${code}' with a RangeError saying what to use`, () => {
      assert.throws(() => new Value(code as never), {
        name: 'RangeError',
        message: new RegExp(
          `^Expected \`type\` to be a numeric type: Python's '${code === '?' ? '\\?' : code}' is not supported \\(docs/DECISIONS.md\\); use 'u`,
        ),
      });
      assert.throws(() => new SharedArray(code as never, 2), { name: 'RangeError', message: /is not supported/ });
    });
  }
});
