// Process.onExit under every start method: the exit code (normal, exit(N), signal) as a promise,
// the same promise on every read, daemons, and what is refused (before start, once closed).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activeChildren, getContext, ProcessStateError } from '../../src/index.ts';
import { exitWith } from '../fixtures/targets.ts';
import { waitForever } from '../fixtures/process/waiting.ts';
import { isZombie, tempPath, testedMethods, track, waitForFile } from '../helpers.ts';

for (const method of testedMethods()) {
  const { Process } = getContext(method);

  describe(`Process.onExit (${method})`, () => {
    it('resolves with the exit code, once, the same promise on every read', async () => {
      const p = track(new Process({ target: exitWith, args: [7] }));
      assert.throws(() => p.onExit, { name: 'ProcessStateError', message: /not started; call start\(\) first/ });
      p.start();
      const first = p.onExit;
      assert.equal(p.onExit, first);
      const seen: number[] = [];
      void first.then((code) => seen.push(code)); // the listener form
      assert.equal(await first, 7);
      assert.deepEqual(seen, [7]);
      assert.equal(p.exitCode, 7);
      assert.ok(!activeChildren().includes(p), 'an ended child leaves activeChildren()');
      assert.equal(isZombie(Number(p.pid)), false);
      p.close();
      assert.equal(await p.onExit, 7, 'read before close(), still there after');
    });

    it('reports a signal as -N and works for daemons', async () => {
      const ready = tempPath('ready');
      const p = track(new Process({ target: waitForever, args: [ready], daemon: true }));
      p.start();
      await waitForFile(ready);
      const exited = p.onExit;
      p.kill();
      assert.equal(await exited, -9);
      const d = track(new Process({ target: exitWith, args: [3], daemon: true }));
      d.start();
      assert.equal(await d.onExit, 3);
    });

    it('is refused once closed (when never read before)', async () => {
      const p = track(new Process({ target: exitWith, args: [0] }));
      p.start();
      await p.join();
      p.close();
      assert.throws(() => p.onExit, ProcessStateError);
    });
  });
}
