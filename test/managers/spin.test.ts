// A manager's round trips spin a receive that awaits a reply, by the learned policy of every
// connection (src/connection/spin-policy.ts), on its Pipe and on a connection by address; a spin
// watches the process's other waiting connections, so a manager serving several clients answers
// each of them. Under every start method; the rates are bench/'s (manager group).
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { getContext, Manager } from '../../src/index.ts';
import { loadNative, type NativeBinding } from '../../src/native/binding.ts';
import { bump } from '../fixtures/managers/targets.ts';
import { recordSpins } from '../fixtures/spin-recorder.ts';
import { testedMethods } from '../helpers.ts';

const native = loadNative();
const skip = native === null ? 'the native addon is not built' : availableParallelism() < 2 ? 'one CPU: receives never spin' : false;

for (const method of testedMethods()) {
  describe(`Manager round trips spin (${method})`, { skip }, () => {
    it('dict set/get from the starting process and over an address: the calls spin, values intact', async () => {
      await using m = await Manager.start({ context: method });
      await using other = new Manager({ address: m.address as string });
      await other.connect();
      for (const manager of [m, other]) {
        const d = await manager.dict<string, number>();
        using recorder = recordSpins(native as NativeBinding);
        for (let i = 0; i < 40; i++) {
          await d.set('k', i);
          assert.equal(await d.get('k'), i);
        }
        assert.ok(recorder.spins.length > 0, 'the calls awaiting their reply spun');
      }
    });

    it('a manager serving children and this process at once answers every one of them', async () => {
      await using m = await Manager.start({ context: method });
      const d = await m.dict<string, number>();
      const l = await m.list<number>();
      const lock = await m.Lock();
      const { Process } = getContext(method);
      const children = Array.from({ length: 2 }, () => new Process({ target: bump, args: [d, l, lock, 30] }));
      for (const child of children) child.start();
      let mine = 0;
      const reading = (async () => {
        while (children.some((child) => child.exitCode === null)) {
          await d.set('mine', ++mine);
          assert.equal(await d.get('mine'), mine);
        }
      })();
      for (const child of children) await child.join();
      await reading;
      assert.deepEqual(
        children.map((child) => child.exitCode),
        [0, 0],
      );
      assert.equal(await d.get('count'), 60);
      assert.ok(mine > 0);
    });
  });
}
