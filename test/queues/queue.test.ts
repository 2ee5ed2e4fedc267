// Queue, SimpleQueue, JoinableQueue: CPython's _TestQueue in one process, then many producers and
// consumers across processes under every start method (nothing lost, duplicated, or reordered per
// producer), a consumer killed while waiting, and JoinableQueue.join across processes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Event,
  getContext,
  JoinableQueue,
  Queue,
  QueueClosedError,
  QueueEmptyError,
  QueueFullError,
  SimpleQueue,
  TaskDoneError,
} from '../../src/index.ts';
import {
  bounce,
  collect,
  echoUntilClosed,
  getForever,
  produceTagged,
  putHugeThenHang,
  putNowaitMany,
  workJoinable,
} from '../fixtures/queues/targets.ts';
import { testedMethods, track, joinAll, pendingAfterTurns } from '../helpers.ts';

describe('Queue in one process', () => {
  it('is FIFO for every kind of item (CPython test_put/test_get)', async () => {
    const q = new Queue<unknown>();
    const items = [
      1,
      -0,
      2.5,
      2 ** 40,
      'héllo',
      '',
      true,
      false,
      null,
      undefined,
      { a: [1, 2] },
      new Map([[1, 2]]),
      'x'.repeat(10_000),
      new Uint8Array([1, 2]),
    ];
    for (const item of items) await q.put(item);
    assert.equal(q.qsize(), items.length);
    assert.equal(q.empty(), false);
    for (const item of items) assert.deepEqual(await q.get(), item);
    assert.equal(q.empty(), true);
    assert.ok(Object.is(await (q.put(-0), q.get()), -0));
  });

  it('maxsize: put waits, putNowait throws QueueFullError, put with timeoutMs rejects', async () => {
    const q = new Queue<number>(2);
    assert.equal(q.maxsize, 2);
    q.putNowait(1);
    await q.put(2);
    assert.equal(q.full(), true);
    assert.throws(() => q.putNowait(3), QueueFullError);
    await assert.rejects(q.put(3, { timeoutMs: 20 }), QueueFullError);
    assert.throws(() => q.putSync(3, { timeoutMs: 0 }), QueueFullError);
    const waiting = q.put(3);
    assert.equal(await q.get(), 1);
    await waiting;
    assert.deepEqual([q.getNowait(), q.getSync()], [2, 3]);
  });

  it('get with timeoutMs rejects with QueueEmptyError; getNowait throws it (CPython test_get)', async () => {
    const q = new Queue();
    const t0 = performance.now();
    await assert.rejects(q.get({ timeoutMs: 50 }), QueueEmptyError);
    assert.ok(performance.now() - t0 >= 45);
    assert.throws(() => q.getNowait(), QueueEmptyError);
    assert.throws(() => q.getSync({ timeoutMs: 0 }), QueueEmptyError);
  });

  it('a waiting get keeps the event loop running and is woken by a put', async () => {
    const q = new Queue<string>();
    const waiting = q.get();
    assert.ok(await pendingAfterTurns(waiting, 3), 'get() settled before anything was put');
    await q.put('x');
    assert.equal(await waiting, 'x');
  });

  it('close() makes further use in this process throw QueueClosedError', async () => {
    const q = new Queue();
    q.close();
    assert.equal(q.closed, true);
    assert.throws(() => q.put(1), QueueClosedError);
    await assert.rejects(q.get(), QueueClosedError);
    assert.throws(() => q.getNowait(), QueueClosedError);
  });

  it('refuses values that cannot be cloned, naming them', async () => {
    const q = new Queue(0, { capacityBytes: 1024 });
    assert.throws(() => q.put(() => 1), { name: 'SerializationError', path: 'item' });
    assert.throws(() => q.put({ a: [1, { cb: () => 1 }] }), { name: 'SerializationError', path: 'item.a[1].cb' });
    assert.throws(() => q.put({ a: [1, { tag: Symbol('s') }] }), { name: 'SerializationError', path: 'item.a[1].tag' });
    assert.throws(() => new Queue(-1), RangeError);
  });

  it('an item larger than its buffer travels in pieces, in order with the others', async () => {
    const q = new Queue<unknown>(0, { capacityBytes: 1024 });
    const big = 'y'.repeat(50_000);
    const bytes = Uint8Array.from({ length: 30_000 }, (_, i) => i % 251);
    const puts = Promise.all([q.put('before'), q.put(big), q.put(bytes), q.put('after')]);
    assert.equal(await q.get(), 'before');
    assert.equal(await q.get(), big);
    assert.deepEqual(await q.get(), bytes);
    assert.equal(await q.get(), 'after');
    await puts;
    q.putSync('z'.repeat(600)); // fits whole
    assert.equal(q.getSync(), 'z'.repeat(600));
  });

  it('an unbounded queue never refuses a put and is never full(); a bounded one is full() at maxsize', async () => {
    const q = new Queue<string>(0, { capacityBytes: 256 });
    for (let i = 0; i < 50; i++) q.putNowait(`${i}:${'u'.repeat(40)}`); // far more than 256 bytes
    assert.equal(q.full(), false);
    for (let i = 0; i < 50; i++) assert.equal(await q.get(), `${i}:${'u'.repeat(40)}`);
    await q.flushed();
    const bounded = new Queue<number>(2);
    bounded.putNowait(1);
    assert.equal(bounded.full(), false);
    bounded.putNowait(2);
    assert.equal(bounded.full(), true);
    assert.throws(() => bounded.putNowait(3), QueueFullError);
  });

  it('close() ends async iteration and rejects waiting gets with QueueClosedError once empty; puts are refused', async () => {
    const q = new Queue<number>();
    const waiting = q.get();
    const seen: number[] = [];
    const iterating = (async () => {
      for await (const item of q) seen.push(item);
    })();
    await q.put(1);
    await q.put(2);
    await q.put(3);
    q.close();
    // The get and the iteration wait side by side: either may take any item, so the get is
    // rejected with QueueClosedError when the iteration took all three.
    const first = await waiting.then(
      (item) => [item],
      (error: unknown) => {
        assert.ok(error instanceof QueueClosedError, String(error));
        return [];
      },
    );
    await iterating;
    assert.deepEqual([...first, ...seen].sort(), [1, 2, 3]);
    await assert.rejects(q.get(), QueueClosedError);
    const lone = new Queue<number>();
    const alone = lone.get();
    lone.close();
    await assert.rejects(alone, QueueClosedError); // a get waiting at close, nothing left
    assert.throws(() => q.getNowait(), QueueClosedError);
    assert.throws(() => q.put(4), QueueClosedError);
  });

  it('wraps around its ring buffer without losing bytes', async () => {
    const q = new Queue<string>(0, { capacityBytes: 256 });
    for (let i = 0; i < 200; i++) {
      const item = `${i}:${'z'.repeat(i % 50)}`;
      await q.put(item);
      if (i % 3 === 0) await q.put(item);
      assert.equal(await q.get(), item);
      if (i % 3 === 0) assert.equal(await q.get(), item);
    }
  });

  it('wraps numbers around its ring at every offset (frame headers split included)', async () => {
    const q = new Queue<number>(0, { capacityBytes: 256 });
    // An int32 frame is 9 bytes, a float64 one 13: coprime with 256, so over these puts each
    // frame (and each 4-byte length header) starts at every offset of the ring, split ones too.
    const values = [0, -1, 2 ** 31 - 1, -(2 ** 31), 1.5, -0, NaN, Infinity, 2 ** 53, -7e-300];
    for (let i = 0; i < 600; i++) {
      const a = (values[i % values.length] as number) + (i % 3 === 0 ? 0 : i);
      const b = values[(i * 7) % values.length] as number;
      await q.put(a);
      await q.put(b);
      assert.ok(Object.is(await q.get(), a), `item ${i}a`);
      assert.ok(Object.is(await q.get(), b), `item ${i}b`);
    }
  });

  it('is async iterable', async () => {
    const q = new Queue<number>();
    for (let i = 0; i < 3; i++) await q.put(i);
    const seen: number[] = [];
    for await (const item of q) {
      seen.push(item);
      if (seen.length === 3) break;
    }
    assert.deepEqual(seen, [0, 1, 2]);
  });

  it('SimpleQueue puts and gets; JoinableQueue counts tasks (CPython test_task_done)', async () => {
    const s = new SimpleQueue<number>();
    await s.put(1);
    assert.equal(await s.get(), 1);
    const j = new JoinableQueue<number>();
    assert.equal(await j.join({ timeoutMs: 0 }), true);
    await j.put(1);
    await j.put(2);
    assert.equal(await j.join({ timeoutMs: 10 }), false);
    await j.get();
    j.taskDone();
    await j.get();
    const joined = j.join();
    j.taskDone();
    assert.equal(await joined, true);
    assert.throws(() => j.taskDone(), TaskDoneError);
  });
});

for (const method of testedMethods()) {
  const { Process } = getContext(method);

  describe(`Queue across processes (${method})`, () => {
    it('3 producers → 2 consumers: nothing lost, duplicated or reordered per producer', async () => {
      const n = 400;
      const q = new Queue<[number, number] | null>(50);
      const out = new Queue<[number, number][]>();
      const producers = [0, 1, 2].map((id) => track(new Process({ target: produceTagged, args: [q, id, n] })));
      const consumers = [0, 1].map(() => track(new Process({ target: collect, args: [q, out] })));
      for (const p of [...producers, ...consumers]) p.start();
      await produceTagged(q, 9, n);
      const expected = 4 * n;
      assert.deepEqual(await joinAll(producers), [0, 0, 0]);
      await q.put(null);
      await q.put(null);
      const got = [await out.get({ timeoutMs: 20_000 }), await out.get({ timeoutMs: 20_000 })];
      assert.deepEqual(await joinAll(consumers), [0, 0]);
      assert.deepEqual(
        [...producers, ...consumers].map((p) => p.exitCode),
        [0, 0, 0, 0, 0],
      );
      const all = got.flat();
      assert.equal(all.length, expected);
      for (const id of [0, 1, 2, 9]) {
        for (const part of got) {
          const mine = part.filter(([p]) => p === id).map(([, i]) => i);
          assert.deepEqual(
            mine,
            [...mine].sort((a, b) => a - b),
            `producer ${id} reordered`,
          );
        }
        const every = all
          .filter(([p]) => p === id)
          .map(([, i]) => i)
          .sort((a, b) => a - b);
        assert.deepEqual(
          every,
          Array.from({ length: n }, (_, i) => i),
          `producer ${id}: lost or duplicated`,
        );
      }
    });

    it('a consumer killed while waiting in get() takes no item with it', async () => {
      const q = new Queue<string>();
      const ready = new Event();
      const victim = track(new Process({ target: getForever, args: [q, ready] }));
      victim.start();
      assert.equal(await ready.wait({ timeoutMs: 20_000 }), true);
      victim.kill();
      await victim.join();
      await q.put('kept');
      assert.equal(await q.get({ timeoutMs: 5_000 }), 'kept');
    });

    it("close() in the parent ends a child's for-await loop; its next get rejects with QueueClosedError", async () => {
      const q = new Queue<number>();
      const out = new Queue<number | string>();
      const child = track(new Process({ target: echoUntilClosed, args: [q, out] }));
      child.start();
      for (const item of [1, 2, 3]) await q.put(item);
      for (const item of [1, 2, 3]) assert.equal(await out.get({ timeoutMs: 20_000 }), item);
      q.close(); // the child waits in get() by now, or soon will
      assert.equal(await out.get({ timeoutMs: 20_000 }), 'closed');
      await child.join();
      assert.equal(child.exitCode, 0);
    });

    it('items larger than the buffer travel in pieces to a child and back', async () => {
      const q = new Queue<Uint8Array | string>(0, { capacityBytes: 4096 });
      const back = new Queue<Uint8Array | string>(0, { capacityBytes: 4096 });
      const child = track(new Process({ target: bounce, args: [q, back] }));
      child.start();
      const big = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256);
      const text = 'é'.repeat(20_000);
      const puts = Promise.all([q.put(big), q.put(text)]);
      assert.deepEqual(await back.get({ timeoutMs: 30_000 }), big);
      assert.equal(await back.get({ timeoutMs: 30_000 }), text);
      await puts;
      await child.join();
      assert.equal(child.exitCode, 0);
    });

    it('a child that putNowait()s more than the buffer holds and returns writes every item before it exits', async () => {
      const q = new Queue<string>(0, { capacityBytes: 1024 });
      const child = track(new Process({ target: putNowaitMany, args: [q, 200] }));
      child.start();
      for (let i = 0; i < 200; i++) assert.equal(await q.get({ timeoutMs: 20_000 }), `${i}:${'p'.repeat(100)}`);
      await child.join();
      assert.equal(child.exitCode, 0);
    });

    it('a producer killed in the middle of an item larger than the buffer: the part is dropped, the queue goes on', async () => {
      const q = new Queue<string>(0, { capacityBytes: 4096 });
      const started = new Event();
      const victim = track(new Process({ target: putHugeThenHang, args: [q, started] }));
      victim.start();
      assert.equal(await started.wait({ timeoutMs: 20_000 }), true);
      assert.ok(q.qsize() > 0, 'its first pieces are in');
      victim.kill();
      await victim.join();
      // The get takes the dead producer's pieces, sees it gone, drops them, and takes the next item.
      const [got] = await Promise.all([q.get({ timeoutMs: 20_000 }), q.put('after')]);
      assert.equal(got, 'after');
      assert.equal(q.qsize(), 0);
    });

    it('JoinableQueue.join resolves once a child marked every item done', async () => {
      const q = new JoinableQueue<number>();
      for (let i = 0; i < 20; i++) await q.put(i);
      const worker = track(new Process({ target: workJoinable, args: [q, 20] }));
      worker.start();
      assert.equal(await q.join({ timeoutMs: 20_000 }), true);
      await worker.join();
      assert.equal(worker.exitCode, 0);
    });
  });
}
