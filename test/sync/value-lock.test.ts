// The lock of Value and SharedArray (src/shared-memory's hook) is an RLock of src/sync over the
// bytes beside their data: recursive, typed errors, usable with using and with a Condition.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Condition, NotOwnerError, RLock, SharedArray, Value } from '../../src/index.ts';

describe('Value and SharedArray locks', () => {
  it('are RLocks over their shared bytes', async () => {
    const value = new Value('i32', 0);
    const lock = value.getLock();
    assert.ok(lock instanceof RLock);
    assert.equal(lock.acquireSync(), true);
    assert.equal(await lock.acquire(), true);
    assert.equal((value.getLock() as RLock).isOwned(), true, 'another getLock() sees the same state');
    lock.release();
    lock.release();
    assert.throws(() => lock.release(), NotOwnerError);
    const array = new SharedArray('f64', 4);
    {
      using _held = array.getLock().holdSync();
      array.array[0] = 1;
    }
    assert.equal((array.getLock() as RLock).isLocked(), false);
    const cond = new Condition(lock);
    await cond.acquire();
    assert.equal(await cond.wait({ timeoutMs: 10 }), false);
    cond.release();
  });
});
