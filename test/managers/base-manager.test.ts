// BaseManager under every start method: registered types (a class and a factory, by reference
// under spawn/forkserver), AutoProxy and exposed methods, methodToTypeid, an initializer, a
// manager that dies (calls reject with ManagerClosedError, never hang), misuse, and
// SharedMemoryManager releasing its segments at shutdown.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  BaseManager,
  getContext,
  Manager,
  ManagerClosedError,
  NotExposedError,
  ProcessStateError,
  SharedMemoryManager,
  type Remote,
} from '../../src/index.ts';
import { Counter, makeCounters, makeGreeter } from '../fixtures/managers/targets.ts';
import { testedMethods } from '../helpers.ts';

class CounterManager extends BaseManager {}
CounterManager.register('Counter', Counter);
CounterManager.register('Greeter', makeGreeter, { exposed: ['greet'] });
CounterManager.register('Counters', makeCounters, { methodToTypeid: { get: 'Counter' }, exposed: ['set', 'has'] });

for (const method of testedMethods()) {
  describe(`BaseManager (${method})`, () => {
    it('creates registered types in the manager process and calls them through AutoProxy', async () => {
      await using m = await CounterManager.start({ context: method });
      const counter = await m.create<Remote<Counter>>('Counter', 10);
      assert.equal(await counter.increment(5), 15);
      assert.equal(await counter.value(), 15);
      assert.notEqual(await counter.pid(), process.pid);
      assert.equal(await counter.pid(), m.process?.pid);
      assert.equal((counter as unknown as Record<string, unknown>)._hidden, undefined, 'names starting with _ are not exposed');
      await assert.rejects(counter.callMethod('_hidden'), NotExposedError);
      const greeter = await (m as unknown as { Greeter(name: string): Promise<Remote<{ greet(): string }>> }).Greeter('Ada');
      assert.equal(await greeter.greet(), 'hello Ada');
      const counters = await m.create<Remote<{ set(k: string, v: unknown): void; get(k: string): Remote<Counter> }>>('Counters');
      await counters.set('x', counter);
      const same = await counters.get('x');
      assert.equal(await same.increment(), 16, 'methodToTypeid: get returns a proxy of the stored counter');
      await assert.rejects(m.create('Nope'), /`Nope` is not registered/);
    });

    it("ctx.Manager starts its manager with the context's start method (Python's ctx.Manager())", async () => {
      const ctx = getContext(method);
      assert.equal(ctx.Manager, ctx.Manager, 'one class per context');
      assert.notEqual(ctx.Manager, Manager);
      assert.equal(getContext().Manager, Manager, "the default context's is Manager itself");
      await using m = await ctx.Manager.start();
      assert.ok(m instanceof Manager);
      assert.ok(m.process instanceof ctx.Process, `the manager process is a ${method} Process`);
      for (const other of testedMethods().filter((x) => x !== method))
        assert.equal(m.process instanceof getContext(other).Process, false, other);
      const d = await m.dict<string, number>({ a: 1 });
      assert.equal(await d.get('a'), 1);
      const other = testedMethods().find((x) => x !== method);
      if (other !== undefined) {
        await using o = new ctx.Manager({ context: other });
        await o.start();
        assert.ok(o.process instanceof getContext(other).Process, 'an explicit context wins');
      }
    });

    it('runs an initializer in the manager process before it serves', async () => {
      await using m = new Manager({ context: method });
      await m.start({ initializer: makeGreeter, initargs: ['init'] });
      assert.equal(await (await m.dict()).size(), 0);
    });

    it('a manager that dies: pending and later calls reject with ManagerClosedError', async () => {
      const m = await Manager.start({ context: method });
      const q = await m.Queue();
      const pending = q.get();
      m.process?.kill();
      await assert.rejects(pending, ManagerClosedError);
      await assert.rejects(q.put(1), ManagerClosedError);
      await assert.rejects(m.dict(), ManagerClosedError);
      await m.shutdown(); // still fine: nothing to ask, the process is reaped
      assert.equal(m.process?.exitCode, -9);
      await assert.rejects(m.dict(), ManagerClosedError);
    });

    it('SharedMemoryManager unlinks its segments at shutdown', async () => {
      const smm = await SharedMemoryManager.start({ context: method });
      const shm = await smm.SharedMemory(64);
      const list = await smm.ShareableList([1, 'two', null]);
      assert.deepEqual((await smm.listSegments()).sort(), [shm.name, list.shm.name].sort());
      assert.ok(existsSync(`/dev/shm/${shm.name}`));
      shm.buf[0] = 7;
      assert.deepEqual(list.toArray(), [1, 'two', null]);
      await smm.shutdown();
      assert.equal(existsSync(`/dev/shm/${shm.name}`), false);
      assert.equal(existsSync(`/dev/shm/${list.shm.name}`), false);
      shm.close();
      list.shm.close();
    });
  });
}

describe('BaseManager misuse', () => {
  it('checks options and states with typed errors', async () => {
    assert.throws(() => new Manager({ context: 'nope' as 'spawn' }), /Expected `context`/);
    assert.throws(() => new Manager({ address: 5 as unknown as string }), /Expected `address`/);
    assert.throws(() => new Manager({ authkey: 5 as unknown as string }), /Expected `authkey`/);
    assert.throws(() => BaseManager.register('', Counter), /Expected `typeid`/);
    assert.throws(() => BaseManager.register('x', 5 as unknown as () => void), /Expected `callable`/);
    const m = new Manager();
    await assert.rejects(m.dict(), ProcessStateError);
    await assert.rejects(m.connect(), /needs the manager's `address`/);
    await m.shutdown();
    await assert.rejects(m.start(), ProcessStateError);
  });

  it('a registered callable that is not exported cannot reach a spawned manager', async () => {
    class Local {}
    class LocalManager extends BaseManager {}
    LocalManager.register('Local', Local);
    await assert.rejects(new LocalManager({ context: 'spawn' }).start(), /not exported/);
  });

  it('register() on a subclass does not change its parent (Python copies the registry)', () => {
    class A extends BaseManager {}
    class B extends A {}
    A.register('Counter', Counter);
    B.register('Only', Counter);
    assert.equal(typeof (A.prototype as unknown as Record<string, unknown>).Only, 'undefined');
    assert.equal(typeof (B.prototype as unknown as Record<string, unknown>).Counter, 'function');
  });
});
