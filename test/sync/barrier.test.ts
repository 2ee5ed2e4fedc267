// Barrier: CPython's _TestBarrier (indices, action, timeout, abort, reset) in one process and
// across processes under every start method.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Barrier, BrokenBarrierError, getContext, SerializationError } from '../../src/index.ts';
import { barrierAction, barrierActionRuns, barrierParty } from '../fixtures/sync/targets.ts';
import { readJson, tempPath, testedMethods, track, joinAll } from '../helpers.ts';

/** Resolves once `condition()` holds, checked after each turn of the event loop (bounded). */
async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('Barrier in one process', () => {
  it('releases all parties together with distinct indices and runs the action once (CPython test_barrier, test_action)', async () => {
    let runs = 0;
    const barrier = new Barrier(3, { action: () => runs++ });
    assert.equal(barrier.parties, 3);
    for (let round = 0; round < 3; round++) {
      const waits = [barrier.wait(), barrier.wait()];
      await until(() => barrier.nWaiting === 2);
      const indices = await Promise.all([...waits, barrier.wait()]);
      assert.deepEqual(indices.sort(), [0, 1, 2]);
      assert.equal(runs, round + 1);
    }
    assert.equal(barrier.nWaiting, 0);
    assert.equal(barrier.broken, false);
  });

  it('a timeout breaks it for everyone until reset (CPython test_timeout, test_default_timeout)', async () => {
    const barrier = new Barrier(3, { timeoutMs: 50 });
    const results = await Promise.allSettled([barrier.wait(), barrier.wait({ timeoutMs: 20_000 })]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    for (const r of results) assert.ok(r.status === 'rejected' && r.reason instanceof BrokenBarrierError);
    assert.equal(barrier.broken, true);
    await assert.rejects(barrier.wait(), BrokenBarrierError);
    barrier.reset();
    assert.equal(barrier.broken, false);
  });

  it('abort() breaks waiting parties; a failing action breaks it too (CPython test_abort, test_action_exception)', async () => {
    const barrier = new Barrier(2);
    const waiting = barrier.wait();
    await until(() => barrier.nWaiting === 1);
    barrier.abort();
    await assert.rejects(waiting, BrokenBarrierError);
    assert.equal(barrier.broken, true);
    barrier.reset();
    const failing = new Barrier(2, {
      action: () => {
        throw new Error('action failed');
      },
    });
    const results = await Promise.allSettled([failing.wait(), failing.wait()]);
    const reasons = results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok')).sort();
    assert.equal(reasons.length, 2);
    assert.ok(reasons.includes('action failed'));
    assert.equal(failing.broken, true);
  });

  it('abort() breaks two parties waiting in this process, both with BrokenBarrierError, and later waits too', async () => {
    const barrier = new Barrier(3);
    const waiting = [barrier.wait(), barrier.wait()].map((w) =>
      w.then(
        () => null,
        (error: unknown) => error,
      ),
    );
    await until(() => barrier.nWaiting === 2);
    barrier.abort();
    for (const outcome of await Promise.all(waiting)) assert.ok(outcome instanceof BrokenBarrierError, String(outcome));
    assert.equal(barrier.broken, true);
    assert.equal(barrier.nWaiting, 0);
    await assert.rejects(barrier.wait(), BrokenBarrierError);
    barrier.reset();
    const ok = await Promise.all([barrier.wait(), barrier.wait(), barrier.wait()]);
    assert.deepEqual(ok.sort(), [0, 1, 2]);
  });

  it('abort() called right after two parties call wait() (before they wait) breaks both', async () => {
    const barrier = new Barrier(3);
    const waiting = [barrier.wait(), barrier.wait()].map((w) =>
      w.then(
        () => null,
        (error: unknown) => error,
      ),
    );
    barrier.abort();
    for (const outcome of await Promise.all(waiting)) assert.ok(outcome instanceof BrokenBarrierError, String(outcome));
    barrier.reset();
    const again = [barrier.wait(), barrier.wait()].map((w) =>
      w.then(
        () => null,
        (error: unknown) => error,
      ),
    );
    await new Promise((resolve) => setImmediate(resolve));
    barrier.abort();
    for (const outcome of await Promise.all(again)) assert.ok(outcome instanceof BrokenBarrierError, String(outcome));
    assert.equal(barrier.nWaiting, 0);
  });

  it('abort() or reset() called by the action (which runs under the lock) fails every party instead of deadlocking', async () => {
    const aborting: Barrier = new Barrier(2, { action: () => aborting.abort() });
    const results = await Promise.allSettled([aborting.wait(), aborting.wait()]);
    for (const r of results) assert.ok(r.status === 'rejected' && r.reason instanceof BrokenBarrierError, String(r.status));
    assert.equal(aborting.broken, true);
    let resets = 0;
    const resetting: Barrier = new Barrier(2, {
      action: async () => {
        await Promise.resolve();
        if (resets++ === 0) resetting.reset();
      },
    });
    const outcomes = await Promise.allSettled([resetting.wait(), resetting.wait()]);
    for (const r of outcomes) assert.ok(r.status === 'rejected' && r.reason instanceof BrokenBarrierError, String(r.status));
    assert.equal(resetting.broken, false, 'reset, not broken');
    assert.deepEqual((await Promise.all([resetting.wait(), resetting.wait()])).sort(), [0, 1]);
  });

  it('reset() while parties wait makes them fail, and the barrier is usable again (CPython test_reset)', async () => {
    const barrier = new Barrier(3);
    // Handlers attached at once: both reject together on reset(), and the second must not be
    // an unhandled rejection while the first is being asserted.
    const waiting = [barrier.wait(), barrier.wait()].map((w) =>
      w.then(
        () => null,
        (error: unknown) => error,
      ),
    );
    await until(() => barrier.nWaiting === 2);
    barrier.reset();
    for (const outcome of await Promise.all(waiting)) assert.ok(outcome instanceof BrokenBarrierError, String(outcome));
    assert.equal(barrier.broken, false);
    const ok = await Promise.all([barrier.wait(), barrier.wait(), barrier.wait()]);
    assert.deepEqual(ok.sort(), [0, 1, 2]);
  });

  it('validates parties and refuses to send a non-exported action to a spawned child', () => {
    assert.throws(() => new Barrier(0), RangeError);
    const { Process } = getContext('spawn');
    const barrier = new Barrier(2, { action: () => undefined });
    const p = new Process({ target: barrierParty, args: [barrier, tempPath('x'), false] });
    assert.throws(() => p.start(), SerializationError);
  });
});

for (const method of testedMethods()) {
  const { Process } = getContext(method);

  describe(`Barrier across processes (${method})`, () => {
    it('the parent and three children (async and sync) pass together; the action runs exactly once', async () => {
      barrierActionRuns.count = 0;
      const barrier = new Barrier(4, { action: barrierAction, timeoutMs: 30_000 });
      const paths = [tempPath('a'), tempPath('b'), tempPath('c')];
      const children = paths.map((path, i) => track(new Process({ target: barrierParty, args: [barrier, path, i === 1] })));
      for (const child of children) child.start();
      const index = await barrier.wait();
      assert.deepEqual(await joinAll(children), [0, 0, 0]);
      const reports = paths.map((p) => readJson<{ index: number; actionRuns: number }>(p));
      assert.deepEqual([index, ...reports.map((r) => r.index)].sort(), [0, 1, 2, 3]);
      assert.equal(barrierActionRuns.count + reports.reduce((sum, r) => sum + r.actionRuns, 0), 1);
    });
  });
}
