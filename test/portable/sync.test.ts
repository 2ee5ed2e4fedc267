// Lock, RLock, Semaphore, BoundedSemaphore and Event without the addon: mutual exclusion across
// spawned processes, a holder that dies (OwnerDiedError), ownership errors, permits, the flag.
import './env.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BoundedSemaphore,
  Event,
  getContext,
  Lock,
  NativeUnavailableError,
  NotOwnerError,
  OwnerDiedError,
  Queue,
  RLock,
  Semaphore,
  TooManyReleasesError,
} from '../../src/index.ts';
import { countUnderLock, dieHolding, takePermit } from '../fixtures/portable-targets.ts';
import { track } from '../helpers.ts';

const Process = getContext('spawn').Process;

describe('portable Lock and RLock', () => {
  it('keeps a read-modify-write of three processes exact', async () => {
    const start = new Event();
    const lock = new Lock();
    const box = new Queue<number>();
    await box.put(0);
    const times = 40;
    const children = [1, 2, 3].map(() => track(new Process({ target: countUnderLock, args: [start, lock, box, times] })));
    for (const child of children) child.start();
    start.set();
    for (const child of children) await child.join();
    assert.equal(await box.get(), 3 * times);
  });

  it('a holder that exits: the next acquire takes the lock and rejects with OwnerDiedError', async () => {
    const lock = new Lock();
    const held = new Event();
    const child = track(new Process({ target: dieHolding, args: [lock, held] }));
    child.start();
    await held.wait();
    await child.join();
    await assert.rejects(lock.acquire(), (error: unknown) => error instanceof OwnerDiedError && error.pid === child.pid);
    assert.equal(lock.isOwned(), true);
    lock.release();
    assert.equal(lock.isLocked(), false);
  });

  it('release of a lock not held: NotOwnerError; acquire times out; RLock counts its depth', async () => {
    const lock = new Lock();
    assert.throws(() => lock.release(), NotOwnerError);
    assert.equal(await lock.acquire(), true);
    assert.equal(await lock.acquire({ timeoutMs: 20 }), false);
    lock.release();
    const rlock = new RLock();
    assert.ok(rlock instanceof RLock);
    await rlock.acquire();
    await rlock.acquire();
    assert.equal(rlock.depth, 2);
    rlock.release();
    assert.equal(rlock.isOwned(), true);
    rlock.release();
    assert.equal(rlock.isLocked(), false);
    assert.throws(() => lock.acquireSync(), NativeUnavailableError);
  });
});

describe('portable Semaphore and Event', () => {
  it('a Semaphore(0) lets through as many children as permits released', async () => {
    const sem = new Semaphore(0);
    const done = new Queue<number>();
    const children = [1, 2, 3].map(() => track(new Process({ target: takePermit, args: [sem, done] })));
    for (const child of children) child.start();
    sem.release(2);
    const first = [await done.get(), await done.get()];
    assert.equal(await done.get({ timeoutMs: 50 }).catch(() => 'none'), 'none');
    sem.release();
    first.push(await done.get());
    assert.deepEqual(first.sort(), children.map((child) => child.pid).sort());
    for (const child of children) await child.join();
  });

  it('BoundedSemaphore refuses a release over its initial value; getValue', async () => {
    const sem = new BoundedSemaphore(1);
    assert.ok(sem instanceof Semaphore);
    assert.throws(() => sem.release(), TooManyReleasesError);
    assert.equal(await sem.acquire(), true);
    assert.equal(sem.getValue(), 0);
    assert.equal(await sem.acquire({ timeoutMs: 10 }), false);
    sem.release();
  });

  it('Event: wait times out while clear, resolves once set', async () => {
    const event = new Event();
    assert.equal(await event.wait({ timeoutMs: 10 }), false);
    const waiting = event.wait();
    event.set();
    assert.equal(await waiting, true);
    assert.equal(event.isSet(), true);
    event.clear();
    assert.equal(event.isSet(), false);
    assert.throws(() => event.waitSync(), NativeUnavailableError);
  });
});
