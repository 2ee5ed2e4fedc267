// Lock and RLock: CPython's _TestLock in one process, then across processes under every start
// method (mutual exclusion, waking a waiter in another process, non-owner release, a holder
// that dies), and proof that an async acquire leaves the event loop running.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Event, getContext, Lock, NotOwnerError, OwnerDiedError, RLock, TimeoutError } from '../../src/index.ts';
import { holdForever, incrementUnderLock, lockSyncThenReport, lockThenReport, releaseForeign } from '../fixtures/sync/targets.ts';
import { readJson, tempPath, testedMethods, track, joinAll, pendingAfterTurns } from '../helpers.ts';

describe('Lock in one process', () => {
  it('acquires, refuses a second acquire, releases (CPython _TestLock.test_lock)', async () => {
    const lock = new Lock();
    assert.equal(lock.acquireSync(), true);
    assert.equal(lock.acquireSync({ timeoutMs: 0 }), false);
    assert.equal(await lock.acquire({ timeoutMs: 0 }), false);
    assert.equal(lock.isOwned(), true);
    assert.equal(String(lock), `<Lock(owner=${process.pid})>`);
    lock.release();
    assert.equal(lock.isLocked(), false);
    assert.throws(() => lock.release(), NotOwnerError);
  });

  it('times out after roughly timeoutMs (sync and async)', async () => {
    const lock = new Lock();
    lock.acquireSync();
    let t0 = performance.now();
    assert.equal(lock.acquireSync({ timeoutMs: 100 }), false);
    assert.ok(performance.now() - t0 >= 95);
    t0 = performance.now();
    assert.equal(await lock.acquire({ timeoutMs: 100 }), false);
    assert.ok(performance.now() - t0 >= 95);
    lock.release();
  });

  it('keeps the event loop running while an async acquire waits, and wakes it on release', async () => {
    const lock = new Lock();
    lock.acquireSync();
    const waiting = lock.acquire();
    assert.ok(await pendingAfterTurns(waiting, 5), 'acquire() settled while the lock was held');
    lock.release();
    assert.equal(await waiting, true);
    lock.release();
  });

  it('rejects an acquire aborted by its signal, and the abandoned wait does not swallow the next release', async () => {
    const lock = new Lock();
    lock.acquireSync();
    const controller = new AbortController();
    const aborted = lock.acquire({ signal: controller.signal });
    const other = lock.acquire();
    controller.abort();
    await assert.rejects(aborted, { name: 'AbortError' });
    lock.release();
    assert.equal(await other, true);
    lock.release();
    await assert.rejects(lock.acquire({ signal: AbortSignal.abort() }), { name: 'AbortError' });
  });

  it('validates options in the house format', async () => {
    const lock = new Lock();
    assert.throws(() => lock.acquireSync({ timeoutMs: -1 }), {
      name: 'RangeError',
      message: 'Expected `timeoutMs` to be a non-negative number of milliseconds, got `-1` (number).',
    });
    await assert.rejects(lock.acquire({ timeoutMs: -1 }), RangeError);
  });

  it('serves contending async acquirers in one process one at a time', async () => {
    const lock = new Lock();
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 20; i++) {
          await lock.acquire();
          inside++;
          maxInside = Math.max(maxInside, inside);
          await new Promise((resolve) => setImmediate(resolve));
          inside--;
          lock.release();
        }
      }),
    );
    assert.equal(maxInside, 1);
  });

  it('is held with using / await using (hold, holdSync)', async () => {
    const lock = new Lock();
    {
      using _held = lock.holdSync();
      assert.equal(lock.isOwned(), true);
    }
    assert.equal(lock.isLocked(), false);
    {
      await using _held = await lock.hold();
      assert.equal(lock.isOwned(), true);
    }
    assert.equal(lock.isLocked(), false);
    lock.acquireSync();
    assert.throws(() => lock.holdSync({ timeoutMs: 10 }), TimeoutError);
    await assert.rejects(lock.hold({ timeoutMs: 10 }), TimeoutError);
    lock.release();
  });

  it('is not disposable itself: `using l = lock` cannot release a lock the scope never took', () => {
    for (const lock of [new Lock(), new RLock()]) {
      assert.equal(Symbol.dispose in lock, false);
      assert.equal(Symbol.asyncDispose in lock, false);
      // What `using` does with a value that is not disposable: a TypeError at the declaration.
      assert.throws(() => {
        using _l = lock as unknown as Disposable;
      }, TypeError);
      assert.equal(lock.isLocked(), false);
    }
  });
});

describe('RLock in one process', () => {
  it('is recursive and counts (CPython _TestLock.test_rlock)', async () => {
    const lock = new RLock();
    assert.equal(lock.acquireSync(), true);
    assert.equal(lock.acquireSync(), true);
    assert.equal(await lock.acquire(), true);
    assert.equal(lock.depth, 3);
    lock.release();
    lock.release();
    assert.equal(lock.isLocked(), true);
    lock.release();
    assert.equal(lock.isLocked(), false);
    assert.throws(() => lock.release(), NotOwnerError);
    {
      using _a = lock.holdSync();
      using _b = lock.holdSync();
      assert.equal(lock.depth, 2);
    }
    assert.equal(lock.depth, 0);
  });
});

for (const method of testedMethods()) {
  const { Process } = getContext(method);

  describe(`Lock and RLock across processes (${method})`, () => {
    for (const Kind of [Lock, RLock]) {
      it(`${Kind.name}: a child waits while the parent holds it, and runs when it is released (async and sync)`, async () => {
        const lock = new Kind();
        lock.acquireSync();
        const startedA = new Event();
        const startedB = new Event();
        const a = tempPath('a');
        const b = tempPath('b');
        const pa = track(new Process({ target: lockThenReport, args: [lock, startedA, a] }));
        const pb = track(new Process({ target: lockSyncThenReport, args: [lock, startedB, b] }));
        pa.start();
        pb.start();
        assert.equal(await startedA.wait({ timeoutMs: 20_000 }), true);
        assert.equal(await startedB.wait({ timeoutMs: 20_000 }), true);
        assert.equal(existsSync(a) || existsSync(b), false, 'no child may get the lock while the parent holds it');
        lock.release();
        assert.deepEqual(await joinAll([pa, pb]), [0, 0]);
        assert.equal(readJson(a).ok, true);
        assert.equal(readJson(b).ok, true);
        assert.equal(lock.isLocked(), false);
      });
    }

    it('Lock: excludes two children and the parent doing read-modify-write', async () => {
      const lock = new Lock();
      const file = tempPath('counter');
      writeFileSync(file, '0');
      const children = [0, 1].map(() => track(new Process({ target: incrementUnderLock, args: [lock, file, 150] })));
      for (const child of children) child.start();
      await incrementUnderLock(lock, file, 150);
      assert.deepEqual(await joinAll(children), [0, 0]);
      assert.equal(Number(readFileSync(file, 'utf8')), 450);
    });

    it('refuses release() by a process that does not hold the lock (NotOwnerError)', async () => {
      const lock = new Lock();
      const rlock = new RLock();
      lock.acquireSync();
      rlock.acquireSync();
      const a = tempPath('a');
      const b = tempPath('b');
      const pa = track(new Process({ target: releaseForeign, args: [lock, a] }));
      const pb = track(new Process({ target: releaseForeign, args: [rlock, b] }));
      pa.start();
      pb.start();
      assert.deepEqual(await joinAll([pa, pb]), [0, 0]);
      assert.deepEqual(readJson(a), { error: 'NotOwnerError' });
      assert.deepEqual(readJson(b), { error: 'NotOwnerError' });
      assert.equal(lock.isOwned(), true);
      lock.release();
      rlock.release();
    });

    for (const Kind of [Lock, RLock]) {
      it(`${Kind.name}: a holder that died is reported to the next acquirer (OwnerDiedError), which then holds it`, async () => {
        const lock = new Kind();
        const held = new Event();
        const p = track(new Process({ target: holdForever, args: [lock, held] }));
        p.start();
        assert.equal(await held.wait({ timeoutMs: 20_000 }), true);
        assert.equal(lock.isLocked(), true);
        p.kill();
        await p.join();
        await assert.rejects(lock.acquire(), (error: unknown) => error instanceof OwnerDiedError && error.pid === p.pid);
        assert.equal(lock.isOwned(), true);
        lock.release();
        assert.equal(lock.acquireSync({ timeoutMs: 0 }), true);
        lock.release();
      });
    }
  });
}

describe('a dead holder found by a blocking or non-blocking acquire', () => {
  it('acquireSync throws OwnerDiedError and holds the lock', async () => {
    const { Process } = getContext(testedMethods()[0]);
    const lock = new Lock();
    const held = new Event();
    const p = track(new Process({ target: holdForever, args: [lock, held] }));
    p.start();
    assert.equal(await held.wait({ timeoutMs: 20_000 }), true);
    p.kill();
    await p.join();
    assert.throws(() => lock.acquireSync({ timeoutMs: 0 }), OwnerDiedError);
    assert.equal(lock.isOwned(), true);
    lock.release();
  });
});
