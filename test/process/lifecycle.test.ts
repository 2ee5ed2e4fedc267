// Process lifecycle under every start method: start, join, pid, exitCode (normal, exit(N),
// uncaught error, signals), isAlive, names, subclass fields, misuse errors, reaping.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  activeChildren,
  currentProcess,
  getContext,
  getStartMethod,
  parentProcess,
  ProcessStateError,
  setStartMethod,
} from '../../src/index.ts';
import { exitWith, fail, failAsync, PrintProcess, writeReport } from '../fixtures/targets.ts';
import { startNested, waitForever, waitForGate } from '../fixtures/process/waiting.ts';
import { joinOrExplain } from '../diagnose.ts';
import { isZombie, readJson, tempPath, testedMethods, track, waitForFile } from '../helpers.ts';

describe('the main process', () => {
  it('is MainProcess with no parent', () => {
    assert.equal(currentProcess().name, 'MainProcess');
    assert.equal(currentProcess().pid, process.pid);
    assert.equal(currentProcess().daemon, false);
    assert.equal(parentProcess(), null);
  });
});

for (const method of testedMethods()) {
  const { Process } = getContext(method);

  describe(`Process lifecycle (${method})`, () => {
    it('has no pid or exit code before start, runs, and ends with 0', async () => {
      const report = tempPath('report');
      const p = track(new Process({ target: writeReport, args: [report, { a: [1, 2] }] }));
      assert.equal(p.pid, undefined);
      assert.equal(p.exitCode, null);
      assert.equal(p.isAlive(), false);
      assert.equal(p.startMethod, method);
      p.start();
      assert.equal(typeof p.pid, 'number');
      assert.ok(activeChildren().includes(p) || p.exitCode !== null);
      await p.join();
      assert.equal(p.exitCode, 0);
      assert.equal(p.isAlive(), false);
      assert.ok(!activeChildren().includes(p));
      const seen = readJson(report);
      assert.equal(seen.pid, p.pid);
      assert.equal(seen.name, p.name);
      assert.equal(seen.title, `multiproc: ${p.name}`);
      assert.deepEqual(seen.parent, { pid: process.pid, name: 'MainProcess' });
      assert.deepEqual(seen.extra, { a: [1, 2] });
      assert.equal(isZombie(Number(p.pid)), false, 'joined child must be reaped');
    });

    it('reports process.exit(N) as exitCode N', async () => {
      const p = track(new Process({ target: exitWith, args: [7] }));
      p.start();
      await p.join();
      assert.equal(p.exitCode, 7);
    });

    it('reports an uncaught error (sync or async) as exitCode 1', async () => {
      const p = track(new Process({ target: fail, args: ['expected failure (test output)'] }));
      const q = track(new Process({ target: failAsync, args: ['expected async failure (test output)'] }));
      p.start();
      q.start();
      await Promise.all([p.join(), q.join()]);
      assert.equal(p.exitCode, 1);
      assert.equal(q.exitCode, 1);
    });

    it('reports terminate() as -15 and kill() as -9', async () => {
      const readyA = tempPath('ready');
      const readyB = tempPath('ready');
      const a = track(new Process({ target: waitForever, args: [readyA] }));
      const b = track(new Process({ target: waitForever, args: [readyB] }));
      a.start();
      b.start();
      await Promise.all([waitForFile(readyA), waitForFile(readyB)]);
      assert.equal(a.isAlive(), true);
      a.terminate();
      b.kill();
      await Promise.all([a.join(), b.join()]);
      assert.equal(a.exitCode, -15);
      assert.equal(b.exitCode, -9);
    });

    it('join(timeoutMs) returns early while the child runs', async () => {
      const ready = tempPath('ready');
      const p = track(new Process({ target: waitForever, args: [ready] }));
      p.start();
      await waitForFile(ready);
      await p.join(20);
      assert.equal(p.exitCode, null);
      assert.equal(p.isAlive(), true);
      assert.ok(activeChildren().includes(p));
      p.kill();
      await p.join();
      assert.equal(p.exitCode, -9);
    });

    it('names children Process-N, and grandchildren Process-N:M', async () => {
      const report = tempPath('report');
      const nested = tempPath('nested');
      const p = track(new Process({ target: startNested, args: [report, nested] }));
      const custom = track(new Process({ target: writeReport, args: [tempPath()], name: 'worker-a' }));
      assert.match(p.name, /^Process-\d+$/);
      assert.equal(custom.name, 'worker-a');
      const n = Number(p.name.slice('Process-'.length));
      assert.equal(custom.name === 'worker-a' && new Process().name, `Process-${n + 2}`);
      p.start();
      assert.equal(await joinOrExplain(p), 0); // a hang here reports the child's and grandchild's state
      assert.deepEqual(readJson(report), { error: null, exitCode: 0 });
      const grandchild = readJson(nested);
      assert.equal(grandchild.name, `${p.name}:1`);
      assert.deepEqual(grandchild.parent, { pid: p.pid, name: p.name });
    });

    it('runs a Process subclass with its own fields', async () => {
      const path = tempPath('print');
      // A subclass of the default Process uses the default start method: set it for this test.
      const before = getStartMethod();
      setStartMethod(method, { force: true });
      const p = track(new PrintProcess('Mike', path));
      assert.equal(p.startMethod, method);
      assert.match(p.name, /^PrintProcess-\d+$/);
      p.start();
      await p.join();
      assert.equal(p.exitCode, 0);
      assert.deepEqual(readJson(path), { who: 'Mike', name: p.name, isProcess: true });
      setStartMethod(before, { force: true });
    });

    it('a child outlives the end of a sibling started before it', async () => {
      const gate = tempPath('gate');
      const first = track(new Process({ target: writeReport, args: [tempPath()] }));
      const second = track(new Process({ target: waitForGate, args: [gate] }));
      first.start();
      second.start();
      await first.join();
      assert.equal(first.exitCode, 0);
      (await import('node:fs')).writeFileSync(gate, 'open');
      await second.join();
      assert.equal(second.exitCode, 0);
    });

    it('refuses misuse with ProcessStateError', async () => {
      const ready = tempPath('ready');
      const p = track(new Process({ target: waitForever, args: [ready] }));
      await assert.rejects(p.join(), ProcessStateError);
      assert.throws(() => p.terminate(), ProcessStateError);
      p.start();
      assert.throws(() => p.start(), ProcessStateError);
      assert.throws(() => {
        p.daemon = true;
      }, ProcessStateError);
      await waitForFile(ready);
      assert.throws(() => p.close(), ProcessStateError);
      p.kill();
      await p.join();
      p.close();
      assert.throws(() => p.isAlive(), ProcessStateError);
      assert.throws(() => p.exitCode, ProcessStateError);
      await assert.rejects(p.join(), ProcessStateError);
    });

    it('rejects bad options with TypeError in the house format', () => {
      assert.throws(() => new Process({ target: 42 as never }), {
        name: 'TypeError',
        message: 'Expected `target` to be a function, got `42` (number).',
      });
      assert.throws(() => new Process({ args: 'x' as never }), { name: 'TypeError', message: /Expected `args` to be an array/ });
      assert.throws(() => new Process({ daemon: 'yes' as never }), { name: 'TypeError', message: /Expected `daemon` to be a boolean/ });
    });
  });
}
