// Condition: CPython's _TestCondition (notify, notifyAll, notify(n), timeouts, waitFor) in one
// process and across processes under every start method.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Condition, getContext, Lock, NotOwnerError, Semaphore } from '../../src/index.ts';
import { conditionWaiter, waitForValue } from '../fixtures/sync/targets.ts';
import { readJson, tempPath, testedMethods, track, joinAll } from '../helpers.ts';

async function acquireN(sem: Semaphore, n: number): Promise<void> {
  for (let i = 0; i < n; i++) assert.equal(await sem.acquire({ timeoutMs: 20_000 }), true);
}

describe('Condition in one process', () => {
  it('needs the lock to wait or notify (NotOwnerError)', async () => {
    const cond = new Condition();
    assert.throws(() => cond.notify(), NotOwnerError);
    await assert.rejects(cond.wait(), NotOwnerError);
    assert.throws(() => cond.waitSync(), NotOwnerError);
  });

  it('wait times out with false and holds the lock again (CPython test_timeout, test_wait_result)', async () => {
    const cond = new Condition(new Lock());
    await cond.acquire();
    let t0 = performance.now();
    assert.equal(await cond.wait({ timeoutMs: 50 }), false);
    assert.ok(performance.now() - t0 >= 45);
    assert.equal(cond.lock.isOwned(), true);
    t0 = performance.now();
    assert.equal(cond.waitSync({ timeoutMs: 50 }), false);
    assert.ok(performance.now() - t0 >= 45);
    assert.equal(cond.lock.isOwned(), true);
    cond.release();
  });

  it('an RLock held several times is released completely while waiting and restored after', async () => {
    const cond = new Condition();
    await cond.acquire();
    await cond.acquire();
    const waiting = cond.wait();
    // the lock is free while wait() sleeps: another acquirer gets it
    await cond.acquire();
    assert.equal((cond.lock as { depth?: number }).depth, 1, 'the RLock was free while wait() slept');
    cond.notify();
    cond.release();
    assert.equal(await waiting, true);
    assert.equal((cond.lock as { depth?: number }).depth, 2);
    cond.release();
    cond.release();
  });

  it('notify wakes one async waiter, notifyAll the rest', async () => {
    const cond = new Condition(new Lock());
    const sleeping = new Semaphore(0);
    const woken = new Semaphore(0);
    const waiter = async (): Promise<void> => {
      await cond.acquire();
      sleeping.release();
      await cond.wait();
      woken.release();
      cond.release();
    };
    const all = [waiter(), waiter(), waiter()];
    await acquireN(sleeping, 3);
    await cond.acquire();
    cond.notify();
    cond.release();
    await acquireN(woken, 1);
    assert.equal(await woken.acquire({ timeoutMs: 100 }), false);
    await cond.acquire();
    cond.notifyAll();
    cond.release();
    await acquireN(woken, 2);
    await Promise.all(all);
  });

  it('waitFor returns the predicate result, or its last value on timeout (CPython test_waitfor_timeout)', async () => {
    const cond = new Condition();
    let state = 0;
    await cond.acquire();
    assert.equal(await cond.waitFor(() => state === 1, { timeoutMs: 30 }), false);
    assert.equal(
      cond.waitForSync(() => state === 1, { timeoutMs: 30 }),
      false,
    );
    setTimeout(() => {
      void (async () => {
        await cond.acquire();
        state = 1;
        cond.notify();
        cond.release();
      })();
    }, 10);
    assert.equal(await cond.waitFor(() => state === 1, { timeoutMs: 20_000 }), true);
    cond.release();
  });
});

for (const method of testedMethods()) {
  const { Process } = getContext(method);

  describe(`Condition across processes (${method})`, () => {
    it('notify wakes one child, notify(2) two more, notifyAll the rest (CPython test_notify, test_notify_n)', async () => {
      const cond = new Condition();
      const sleeping = new Semaphore(0);
      const woken = new Semaphore(0);
      const children = [false, true, false, true].map((sync) =>
        track(new Process({ target: conditionWaiter, args: [cond, sleeping, woken, sync] })),
      );
      for (const child of children) child.start();
      await acquireN(sleeping, 4);
      await cond.acquire();
      cond.notify();
      cond.release();
      await acquireN(woken, 1);
      assert.equal(await woken.acquire({ timeoutMs: 150 }), false, 'notify() woke more than one waiter');
      await cond.acquire();
      cond.notify(2);
      cond.release();
      await acquireN(woken, 2);
      assert.equal(await woken.acquire({ timeoutMs: 150 }), false, 'notify(2) woke more than two waiters');
      await cond.acquire();
      cond.notifyAll();
      cond.release();
      await acquireN(woken, 1);
      assert.deepEqual(await joinAll(children), [0, 0, 0, 0]);
    });

    it('waitFor in a child sees the parent change state (CPython test_waitfor)', async () => {
      const cond = new Condition(new Lock());
      const file = tempPath('state');
      writeFileSync(file, '0');
      const out = tempPath('out');
      const child = track(new Process({ target: waitForValue, args: [cond, file, 3, out] }));
      child.start();
      for (let i = 1; i <= 3; i++) {
        await cond.acquire();
        writeFileSync(file, String(i));
        cond.notifyAll();
        cond.release();
      }
      await child.join();
      assert.deepEqual(readJson(out), { result: true });
    });
  });
}
