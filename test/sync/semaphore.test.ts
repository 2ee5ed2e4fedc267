// Semaphore and BoundedSemaphore: CPython's _TestSemaphore in one process, then across processes
// under every start method.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedSemaphore, getContext, Semaphore, TimeoutError, TooManyReleasesError } from '../../src/index.ts';
import { acquireSemaphore, releaseForeign, releaseTimes } from '../fixtures/sync/targets.ts';
import { readJson, tempPath, testedMethods, track, joinAll } from '../helpers.ts';

describe('Semaphore in one process', () => {
  it('counts down and up (CPython _TestSemaphore.test_semaphore)', async () => {
    const sem = new Semaphore(2);
    assert.equal(sem.getValue(), 2);
    assert.equal(sem.acquireSync(), true);
    assert.equal(sem.getValue(), 1);
    assert.equal(await sem.acquire(), true);
    assert.equal(sem.getValue(), 0);
    assert.equal(sem.acquireSync({ timeoutMs: 0 }), false);
    assert.equal(await sem.acquire({ timeoutMs: 0 }), false);
    sem.release();
    assert.equal(sem.getValue(), 1);
    sem.release(2);
    assert.equal(sem.getValue(), 3);
    assert.equal(String(sem), '<Semaphore(value=3)>');
  });

  it('times out (CPython test_timeout)', async () => {
    const sem = new Semaphore(0);
    let t0 = performance.now();
    assert.equal(sem.acquireSync({ timeoutMs: 50 }), false);
    assert.ok(performance.now() - t0 >= 45);
    t0 = performance.now();
    assert.equal(await sem.acquire({ timeoutMs: 50 }), false);
    assert.ok(performance.now() - t0 >= 45);
  });

  it('an unbounded Semaphore may be released above its initial value; a BoundedSemaphore may not', () => {
    const sem = new Semaphore(1);
    sem.release();
    assert.equal(sem.getValue(), 2);
    const bounded = new BoundedSemaphore(2);
    assert.throws(() => bounded.release(), TooManyReleasesError);
    bounded.acquireSync();
    bounded.release();
    assert.throws(() => bounded.release(), TooManyReleasesError);
    assert.equal(bounded.getValue(), 2);
    assert.equal(String(bounded), '<BoundedSemaphore(value=2)>');
  });

  it('wakes async waiters in one process as permits come, and an aborted waiter gives its wake-up on', async () => {
    const sem = new Semaphore(0);
    const controller = new AbortController();
    const aborted = sem.acquire({ signal: controller.signal });
    const waiters = [sem.acquire(), sem.acquire()];
    controller.abort();
    await assert.rejects(aborted, { name: 'AbortError' });
    sem.release();
    sem.release();
    assert.deepEqual(await Promise.all(waiters), [true, true]);
    assert.equal(sem.getValue(), 0);
  });

  it('validates its value and is held with using', async () => {
    assert.throws(() => new Semaphore(-1), {
      name: 'RangeError',
      message: 'Expected `value` to be a non-negative integer (at most 2^31 - 1), got `-1` (number).',
    });
    assert.throws(() => new Semaphore('2' as unknown as number), TypeError);
    const sem = new BoundedSemaphore(1);
    {
      await using _held = await sem.hold();
      assert.equal(sem.getValue(), 0);
      assert.throws(() => sem.holdSync({ timeoutMs: 0 }), TimeoutError);
    }
    assert.equal(sem.getValue(), 1);
  });
});

for (const method of testedMethods()) {
  const { Process } = getContext(method);

  describe(`Semaphore across processes (${method})`, () => {
    it('a child releasing permits wakes the parent waiting in acquire (async and sync)', async () => {
      const sem = new Semaphore(0);
      const child = track(new Process({ target: releaseTimes, args: [sem, 2] }));
      child.start();
      assert.equal(await sem.acquire({ timeoutMs: 20_000 }), true);
      assert.equal(sem.acquireSync({ timeoutMs: 20_000 }), true);
      await child.join();
      assert.equal(child.exitCode, 0);
      assert.equal(sem.getValue(), 0);
    });

    it('a child waits for a permit the parent releases; a BoundedSemaphore refuses an extra release in the child', async () => {
      const sem = new Semaphore(0);
      const bounded = new BoundedSemaphore(1);
      const got = tempPath('got');
      const extra = tempPath('extra');
      const a = track(new Process({ target: acquireSemaphore, args: [sem, got, 20_000] }));
      const b = track(new Process({ target: releaseForeign, args: [bounded, extra] }));
      a.start();
      b.start();
      sem.release();
      assert.deepEqual(await joinAll([a, b]), [0, 0]);
      assert.deepEqual(readJson(got), { ok: true });
      assert.deepEqual(readJson(extra), { error: 'TooManyReleasesError' });
      assert.equal(bounded.getValue(), 1);
    });
  });
}
