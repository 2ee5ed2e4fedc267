// Proxies passed to child processes under every start method: the children reach the manager
// by its address with the authkey and update the same objects (a dict, a list, a nested list,
// a Value, under a shared Lock); each child holds its own references.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BrokenBarrierError, getContext, Manager, OwnerDiedError, Pipe, Queue, type DictProxy, type ListProxy } from '../../src/index.ts';
import { bump, holdAndWait, proxiesThroughChannels, seeAndChange, setInDict } from '../fixtures/managers/targets.ts';
import { testedMethods } from '../helpers.ts';

for (const method of testedMethods()) {
  describe(`Manager proxies in children (${method})`, () => {
    it('several children update one dict and one list under one Lock', async () => {
      await using m = await Manager.start({ context: method });
      const d = await m.dict<string, number>();
      const l = await m.list<number>();
      const lock = await m.Lock();
      const ctx = getContext(method);
      const children = Array.from({ length: 3 }, () => new ctx.Process({ target: bump, args: [d, l, lock, 20] }));
      for (const child of children) child.start();
      for (const child of children) await child.join();
      assert.deepEqual(
        children.map((c) => c.exitCode),
        [0, 0, 0],
      );
      assert.equal(await d.get('count'), 60);
      assert.deepEqual((await l.toArray()).sort(), children.map((c) => c.pid).sort());
    });

    it(
      'a child killed while holding a Lock and waiting at a Barrier: OwnerDiedError here, the barrier breaks',
      { timeout: 60_000 },
      async () => {
        await using m = await Manager.start({ context: method });
        const lock = await m.Lock();
        const barrier = await m.Barrier(3);
        const [mine, theirs] = Pipe();
        const child = new (getContext(method).Process)({ target: holdAndWait, args: [lock, barrier, theirs] });
        child.start();
        theirs.close();
        assert.equal(await mine.recv({ timeoutMs: 30_000 }), 'held');
        // 'held' says the child called wait(), not that the manager has it: under fork the child's
        // copied proxy first takes its own reference (one more round trip). A child killed before
        // its wait arrived never waited, and the barrier rightly does not break for it.
        while ((await barrier.nWaiting()) < 1) await new Promise((resolve) => setImmediate(resolve));
        const mineAtBarrier = barrier.wait();
        const acquiring = lock.acquire();
        const settled = Promise.allSettled([mineAtBarrier, acquiring]);
        child.kill();
        await child.join();
        // Bounded: a stall must fail this test, not hold the file open.
        let timer: NodeJS.Timeout | undefined;
        const stalled = new Promise<'stalled'>((resolve) => (timer = setTimeout(resolve, 20_000, 'stalled')));
        const outcome = await Promise.race([settled, stalled]);
        clearTimeout(timer);
        if (outcome === 'stalled') {
          m.process?.kill(); // the pending calls then reject with ManagerClosedError
          await settled;
          mine.close();
          assert.fail('the replies to this process stalled');
        }
        const [barrierResult, lockResult] = await settled;
        assert.ok(barrierResult.status === 'rejected' && barrierResult.reason instanceof BrokenBarrierError, String(barrierResult.status));
        assert.ok(lockResult.status === 'rejected' && lockResult.reason instanceof OwnerDiedError, String(lockResult.status));
        assert.equal(lockResult.reason.pid, child.pid);
        assert.equal(await lock.locked(), true, 'the acquire that got OwnerDiedError holds the lock');
        await lock.release();
        mine.close();
      },
    );

    it('proxies sent through a Queue and a Connection after the start arrive as working proxies of the same objects', async () => {
      await using m = await Manager.start({ context: method });
      const d = await m.dict<string, number>({ parent: process.pid });
      const l = await m.list<number>([1]);
      const queue = new Queue<DictProxy<string, number>>();
      const [mine, theirs] = Pipe();
      const child = new (getContext(method).Process)({ target: proxiesThroughChannels, args: [queue, theirs] });
      child.start();
      theirs.close();
      await queue.put(d);
      await mine.send(l);
      assert.deepEqual(await mine.recv(), { dict: 'DictProxy', list: 'ListProxy', seen: [1, process.pid] });
      assert.equal(await d.get('child'), child.pid);
      await mine.send('bye');
      await child.join();
      assert.equal(child.exitCode, 0);
      assert.deepEqual(await l.toArray(), [1, process.pid]);
      mine.close();
      queue.close();
    });

    it('proxies passed as Pool task arguments work in the workers', async () => {
      await using m = await Manager.start({ context: method });
      const d = await m.dict<string, number>();
      await using pool = new (getContext(method).Pool)({ processes: 2 });
      const pids = await pool.starmap(setInDict, [
        [d, 'a'],
        [d, 'b'],
        [d, 'c'],
      ]);
      assert.deepEqual((await d.keys()).sort(), ['a', 'b', 'c']);
      assert.deepEqual([await d.get('a'), await d.get('b'), await d.get('c')], pids);
      assert.equal(pids.includes(process.pid), false);
    });

    it('a child sees nested proxies and a Value, and its changes are seen here', async () => {
      await using m = await Manager.start({ context: method });
      const d = await m.dict<string, unknown>({ a: 1 });
      const nested = await m.list<number>([1, 2]);
      await d.set('nested', nested);
      const v = await m.Value('i32', 5);
      const [mine, theirs] = Pipe();
      const child = new (getContext(method).Process)({ target: seeAndChange, args: [d, v, theirs] });
      child.start();
      theirs.close();
      assert.deepEqual(await mine.recv(), { a: 1, nested: [1, 2], v: 5 });
      assert.equal(await mine.recv(), 'done');
      await child.join();
      assert.equal(child.exitCode, 0);
      assert.deepEqual(await nested.toArray(), [1, 2, 99]);
      assert.equal(await v.get(), 7);
      mine.close();
      // The child's references went with its connection: only ours are left (d, nested, v).
      const back = (await d.get('nested')) as ListProxy<number>;
      back.dispose();
      assert.equal(await m.numberOfObjects(), 3);
    });
  });
}
