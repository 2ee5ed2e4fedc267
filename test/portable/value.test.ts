// Value without the addon: served by the creating process, `.value` read at once everywhere (a
// copy in other processes, current under the Value's lock and after a wait answered by the same
// server), stores converted as by shared memory, getLock() and its errors.
import './env.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Barrier, Event, getContext, Lock, NativeUnavailableError, ProcessStateError, Queue, RLock, Value } from '../../src/index.ts';
import { addUnderValueLock, readAfter, writeManyThenMeet, writeThenSignal } from '../fixtures/portable-targets.ts';
import { joinAll, track } from '../helpers.ts';

const Process = getContext('spawn').Process;

describe('portable Value in its creating process', () => {
  it('stores convert as in shared memory; the types and their errors are the native ones', () => {
    const int = new Value('i32', 7);
    assert.ok(int instanceof Value);
    assert.equal(int.type, 'i32');
    int.value = 3.7;
    assert.equal(int.value, 3);
    const byte = new Value('B', 300);
    assert.equal(byte.type, 'u8');
    assert.equal(byte.value, 44);
    const big = new Value('i64', 2n ** 40n);
    big.value += 1n;
    assert.equal(big.value, 2n ** 40n + 1n);
    assert.throws(() => (big.value = 1 as never), TypeError);
    const float = new Value('d');
    assert.equal(float.value, 0);
    float.value = 0.1;
    assert.equal(float.value, 0.1);
    assert.equal(String(float), "Value('f64', 0.1)");
    assert.throws(() => new Value('i32', 1n as never), /Expected `initial` to be a number \(the type is 'i32'\)/);
    assert.throws(() => new Value('x' as never), RangeError);
  });

  it('getLock(): an RLock of its own, the lock given, or none; getObj() needs the addon', async () => {
    const own = new Value('i32', 0);
    const lock = own.getLock();
    assert.ok(lock instanceof RLock);
    await lock.acquire();
    assert.equal(own.getLock().isOwned(), true);
    lock.release();
    const given = new Lock();
    assert.equal(new Value('i32', 0, { lock: given }).getLock(), given);
    assert.throws(() => new Value('i32', 0, { lock: false }).getLock(), ProcessStateError);
    assert.throws(() => new Value('i32', 0, { lock: 'yes' as never }), TypeError);
    assert.throws(
      () => own.getObj(),
      (error: unknown) => error instanceof NativeUnavailableError && /use \.value/.test(error.message),
    );
  });
});

describe('portable Value across spawned processes', () => {
  it('three children add under getLock(): no increment is lost', async () => {
    const value = new Value('i32', 0);
    const start = new Event();
    const times = 25;
    const children = [1, 2, 3].map(() => track(new Process({ target: addUnderValueLock, args: [start, value, times] })));
    for (const child of children) child.start();
    start.set();
    assert.deepEqual(await joinAll(children), [0, 0, 0]);
    assert.equal(value.value, 3 * times);
  });

  it("a child's write is seen by another child once an Event set after it (served by the same process) is", async () => {
    const value = new Value('i32', 1);
    const written = new Event();
    const replies = new Queue<number>();
    const reader = track(new Process({ target: readAfter, args: [value, written, replies] }));
    const writer = track(new Process({ target: writeThenSignal, args: [value, 42, written] }));
    reader.start();
    writer.start();
    assert.equal(await replies.get(), 42);
    assert.equal(value.value, 42);
    assert.deepEqual(await joinAll([reader, writer]), [0, 0]);
  });

  it('a write by the creator after the child started reaches it', async () => {
    const value = new Value('d', 0.5);
    const go = new Event();
    const replies = new Queue<number>();
    const child = track(new Process({ target: readAfter, args: [value, go, replies] }));
    child.start();
    value.value = 2.25;
    go.set();
    assert.equal(await replies.get(), 2.25);
    await child.join();
  });

  it('two children writing without a lock end with the same value everywhere (the last the creator applied)', async () => {
    const value = new Value('i32', 0);
    const barrier = new Barrier(2);
    const replies = new Queue<number>();
    const count = 200;
    const children = [1000, 2000].map((base) =>
      track(new Process({ target: writeManyThenMeet, args: [value, base, count, barrier, replies] })),
    );
    for (const child of children) child.start();
    const seen = [await replies.get(), await replies.get()];
    assert.deepEqual(await joinAll(children), [0, 0]);
    assert.ok([1000 + count - 1, 2000 + count - 1].includes(value.value), String(value.value));
    assert.deepEqual(seen, [value.value, value.value]);
  });
});
