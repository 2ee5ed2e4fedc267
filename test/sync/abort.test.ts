// AbortSignal on Barrier.wait (a party that leaves breaks the barrier, as a timeout does) and on
// the lock acquires, each rejecting with the signal's own reason.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Barrier, BoundedSemaphore, BrokenBarrierError, Condition, Event, Lock, RLock, Semaphore } from '../../src/index.ts';

const isAbort = (error: unknown) => error instanceof DOMException && error.name === 'AbortError';

describe('AbortSignal on the synchronization primitives', () => {
  it('Barrier.wait({ signal }): abort rejects with the reason and breaks the barrier (as a timeout does)', async () => {
    const barrier = new Barrier(2);
    const controller = new AbortController();
    const mine = barrier.wait({ signal: controller.signal });
    setImmediate(() => controller.abort());
    await assert.rejects(mine, isAbort);
    assert.equal(barrier.broken, true);
    await assert.rejects(barrier.wait({ timeoutMs: 1000 }), BrokenBarrierError);
    barrier.reset();
    await assert.rejects(barrier.wait({ signal: AbortSignal.abort() }), isAbort);
    assert.equal(barrier.broken, false, 'an already-aborted signal never joined the party');
  });

  it('every acquire takes a signal: Lock, RLock, Semaphore, BoundedSemaphore, Condition; Event.wait too', async () => {
    const lock = new Lock();
    const rlock = new RLock();
    const sem = new Semaphore(0);
    const bounded = new BoundedSemaphore(1);
    const cond = new Condition();
    const event = new Event();
    // Held here: a second acquire of the Lock (not recursive) and of the BoundedSemaphore(1) waits.
    await lock.acquire();
    await bounded.acquire();
    for (const waiting of [
      lock.acquire({ signal: AbortSignal.timeout(5) }),
      sem.acquire({ signal: AbortSignal.timeout(5) }),
      bounded.acquire({ signal: AbortSignal.timeout(5) }),
      event.wait({ signal: AbortSignal.timeout(5) }),
    ]) {
      await assert.rejects(waiting, (error: unknown) => error instanceof DOMException && error.name === 'TimeoutError');
    }
    await assert.rejects(rlock.acquire({ signal: AbortSignal.abort() }), isAbort);
    await assert.rejects(cond.acquire({ signal: AbortSignal.abort() }), isAbort);
    lock.release();
    bounded.release();
    assert.equal(await lock.acquire({ signal: new AbortController().signal }), true);
    lock.release();
  });
});
