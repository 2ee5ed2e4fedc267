// Condition without the addon: served with its lock by the creating process; wait releases the
// lock and takes it back, notify wakes a waiter in another process, ownership is checked.
import './env.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Condition, Event, getContext, Lock, NativeUnavailableError, NotOwnerError, Queue, RLock } from '../../src/index.ts';
import { waitForGo } from '../fixtures/portable-targets.ts';
import { track } from '../helpers.ts';

describe('portable Condition', () => {
  it('in one process: wait times out holding the lock again at its depth; notify needs the lock', async () => {
    const cond = new Condition(new RLock());
    assert.ok(cond instanceof Condition);
    assert.throws(() => cond.notify(), NotOwnerError);
    await assert.rejects(cond.wait(), NotOwnerError);
    await cond.acquire();
    await cond.acquire();
    assert.equal(await cond.wait({ timeoutMs: 20 }), false);
    assert.equal((cond.lock as RLock).depth, 2);
    cond.release();
    cond.release();
    assert.equal(cond.lock.isLocked(), false);
    assert.throws(() => cond.waitSync(), NativeUnavailableError);
  });

  it('a child waits, the parent takes the lock (released by the wait) and notifies', async () => {
    const cond = new Condition(new Lock());
    const box = new Queue<string>();
    const ready = new Event();
    const child = track(new (getContext('spawn').Process)({ target: waitForGo, args: [cond, box, ready] }));
    child.start();
    await ready.wait();
    await cond.acquire(); // possible only once the child's wait released it
    cond.notify();
    cond.release();
    assert.equal(await box.get(), 'seen');
    await child.join();
    assert.equal(child.exitCode, 0);
  });

  it('waitFor re-checks its predicate after each notify', async () => {
    const cond = new Condition();
    let value = 0;
    await cond.acquire();
    const waiting = cond.waitFor(() => value >= 2);
    const bump = async () => {
      await cond.acquire();
      value++;
      cond.notifyAll();
      cond.release();
    };
    await bump();
    await bump();
    assert.equal(await waiting, true);
    cond.release();
  });
});
