// Barrier without the addon: served by the creating process with threading.Barrier's rules
// (indices, the action once per round in the party that completes it, timeout, abort, reset, a
// failing action), across spawned processes, and a waiting party whose process ends breaks it.
import './env.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Barrier, BrokenBarrierError, Event, getContext, NativeUnavailableError, Queue, SerializationError } from '../../src/index.ts';
import { barrierView, waitReporting } from '../fixtures/portable-targets.ts';
import { barrierAction, barrierActionRuns, barrierParty } from '../fixtures/sync/targets.ts';
import { joinAll, readJson, tempPath, track } from '../helpers.ts';

const Process = getContext('spawn').Process;

/** Resolves once `condition()` holds, checked after each turn of the event loop (bounded). */
async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const settle = (wait: Promise<number>) =>
  wait.then(
    (index) => index,
    (error: unknown) => error,
  );

describe('portable Barrier in one process', () => {
  it('releases all parties with distinct indices, the action once per round; waitSync is refused', async () => {
    let runs = 0;
    const barrier = new Barrier(3, { action: () => runs++ });
    assert.ok(barrier instanceof Barrier);
    assert.equal(barrier.parties, 3);
    for (let round = 0; round < 3; round++) {
      const waits = [barrier.wait(), barrier.wait()];
      await until(() => barrier.nWaiting === 2);
      assert.deepEqual((await Promise.all([...waits, barrier.wait()])).sort(), [0, 1, 2]);
      assert.equal(runs, round + 1);
    }
    assert.equal(barrier.nWaiting, 0);
    assert.equal(barrier.broken, false);
    assert.throws(
      () => barrier.waitSync(),
      (error: unknown) => error instanceof NativeUnavailableError && /await barrier\.wait\(\)/.test(error.message),
    );
    assert.throws(() => new Barrier(0), RangeError);
    assert.throws(() => new Barrier(2, { action: 'no' as never }), TypeError);
  });

  it('a timeout (its default) breaks it for everyone until reset()', async () => {
    const barrier = new Barrier(3, { timeoutMs: 50 });
    const results = await Promise.all([settle(barrier.wait()), settle(barrier.wait({ timeoutMs: 60_000 }))]);
    for (const r of results) assert.ok(r instanceof BrokenBarrierError, String(r));
    assert.ok(results.some((r) => /timed out/.test((r as Error).message)));
    assert.equal(barrier.broken, true);
    await assert.rejects(barrier.wait(), BrokenBarrierError);
    barrier.reset();
    assert.equal(barrier.broken, false);
  });

  it('abort() and reset() fail the waiting parties; a failing action breaks it with its own error for its party', async () => {
    const barrier = new Barrier(3);
    const waiting = [settle(barrier.wait()), settle(barrier.wait())];
    await until(() => barrier.nWaiting === 2);
    barrier.reset();
    for (const outcome of await Promise.all(waiting)) assert.ok(outcome instanceof BrokenBarrierError, String(outcome));
    assert.equal(barrier.broken, false);
    const again = settle(barrier.wait());
    await until(() => barrier.nWaiting === 1);
    barrier.abort();
    assert.ok((await again) instanceof BrokenBarrierError);
    assert.equal(barrier.broken, true);
    assert.equal(barrier.nWaiting, 0);
    const failing = new Barrier(2, {
      action: () => {
        throw new Error('action failed');
      },
    });
    const reasons = (await Promise.all([settle(failing.wait()), settle(failing.wait())])).map((r) => (r as Error).message).sort();
    assert.deepEqual(reasons, ['The Barrier was broken or reset while waiting.', 'action failed']);
    assert.equal(failing.broken, true);
  });

  it('abort() or reset() called by the action fails every party; after a reset it is usable again', async () => {
    const aborting: Barrier = new Barrier(2, { action: () => aborting.abort() });
    for (const r of await Promise.all([settle(aborting.wait()), settle(aborting.wait())])) assert.ok(r instanceof BrokenBarrierError);
    assert.equal(aborting.broken, true);
    let resets = 0;
    const resetting: Barrier = new Barrier(2, {
      action: async () => {
        await Promise.resolve();
        if (resets++ === 0) resetting.reset();
      },
    });
    for (const r of await Promise.all([settle(resetting.wait()), settle(resetting.wait())])) assert.ok(r instanceof BrokenBarrierError);
    assert.equal(resetting.broken, false);
    assert.deepEqual((await Promise.all([resetting.wait(), resetting.wait()])).sort(), [0, 1]);
  });

  it('an aborted signal withdraws the party and breaks the barrier', async () => {
    const barrier = new Barrier(2);
    const controller = new AbortController();
    const waiting = settle(barrier.wait({ signal: controller.signal }));
    await until(() => barrier.nWaiting === 1);
    controller.abort(new Error('stop'));
    assert.equal(((await waiting) as Error).message, 'stop');
    await until(() => barrier.broken);
  });
});

describe('portable Barrier across spawned processes', () => {
  it('the parent and three children pass together; the action, sent by reference, runs exactly once', async () => {
    barrierActionRuns.count = 0;
    const barrier = new Barrier(4, { action: barrierAction, timeoutMs: 60_000 });
    const paths = [tempPath('a'), tempPath('b'), tempPath('c')];
    const children = paths.map((path) => track(new Process({ target: barrierParty, args: [barrier, path, false] })));
    for (const child of children) child.start();
    const index = await barrier.wait();
    assert.deepEqual(await joinAll(children), [0, 0, 0]);
    const reports = paths.map((p) => readJson<{ index: number; actionRuns: number }>(p));
    assert.deepEqual([index, ...reports.map((r) => r.index)].sort(), [0, 1, 2, 3]);
    assert.equal(barrierActionRuns.count + reports.reduce((sum, r) => sum + r.actionRuns, 0), 1);
  });

  it('the action runs in the child that completes the round', async () => {
    barrierActionRuns.count = 0;
    const barrier = new Barrier(2, { action: barrierAction });
    const waiting = barrier.wait();
    await until(() => barrier.nWaiting === 1);
    const path = tempPath('last');
    const child = track(new Process({ target: barrierParty, args: [barrier, path, false] }));
    child.start();
    assert.equal(await waiting, 0);
    await child.join();
    assert.deepEqual(readJson(path), { index: 1, actionRuns: 1 });
    assert.equal(barrierActionRuns.count, 0);
  });

  it("a child's timeout breaks the parent's wait; a child reads broken and nWaiting at once", async () => {
    const barrier = new Barrier(3);
    const replies = new Queue<unknown>();
    const waiter = track(new Process({ target: waitReporting, args: [barrier, replies, 100] }));
    const parent = settle(barrier.wait());
    waiter.start();
    assert.equal(await replies.get(), 'BrokenBarrierError');
    assert.ok((await parent) instanceof BrokenBarrierError);
    const go = new Event();
    const viewer = track(new Process({ target: barrierView, args: [barrier, go, replies] }));
    viewer.start();
    go.set();
    assert.deepEqual(await replies.get(), { parties: 3, broken: true, nWaiting: 0, sync: 'NativeUnavailableError' });
    assert.deepEqual(await joinAll([waiter, viewer]), [0, 0]);
  });

  it('a waiting party whose process ends breaks the barrier', async () => {
    const barrier = new Barrier(3);
    const replies = new Queue<unknown>();
    const child = track(new Process({ target: waitReporting, args: [barrier, replies] }));
    child.start();
    await until(() => barrier.nWaiting === 1);
    child.kill();
    await child.join();
    await until(() => barrier.broken);
    await assert.rejects(barrier.wait(), BrokenBarrierError);
  });

  it('a non-exported action cannot be sent to a spawned child', () => {
    const barrier = new Barrier(2, { action: () => undefined });
    const child = new Process({ target: barrierParty, args: [barrier, tempPath('x'), false] });
    assert.throws(() => child.start(), SerializationError);
  });
});
