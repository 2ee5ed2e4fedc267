// Queue, SimpleQueue, JoinableQueue without the addon: served by the creating process; the same
// errors as the native queues; producers and consumers in spawned children; what is refused.
import './env.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  getContext,
  JoinableQueue,
  Lock,
  NativeUnavailableError,
  Queue,
  QueueClosedError,
  QueueEmptyError,
  QueueFullError,
  SimpleQueue,
  TaskDoneError,
  Event,
} from '../../src/index.ts';
import { consumeJoinable, doubler, syncRefusals } from '../fixtures/portable-targets.ts';
import { track } from '../helpers.ts';

const Process = getContext('spawn').Process;

describe('portable Queue in one process', () => {
  it('is FIFO, and its instances are Queues', async () => {
    const q = new Queue<unknown>();
    assert.ok(q instanceof Queue);
    assert.ok(new SimpleQueue() instanceof Queue && new JoinableQueue() instanceof JoinableQueue);
    const items = [1, 'two', { three: 3 }, new Map([[4, 4]]), null, undefined, new Uint8Array([7])];
    for (const item of items) await q.put(item);
    assert.equal(q.qsize(), items.length);
    for (const item of items) assert.deepEqual(await q.get(), item);
    assert.equal(q.empty(), true);
  });

  it('maxsize: put waits, putNowait throws QueueFullError, put with timeoutMs rejects', async () => {
    const q = new Queue<number>(2);
    assert.equal(q.maxsize, 2);
    q.putNowait(1);
    await q.put(2);
    assert.equal(q.full(), true);
    assert.throws(() => q.putNowait(3), QueueFullError);
    await assert.rejects(q.put(3, { timeoutMs: 20 }), QueueFullError);
    const waiting = q.put(3);
    assert.equal(await q.get(), 1);
    await waiting;
    assert.deepEqual([q.getNowait(), await q.get()], [2, 3]);
  });

  it('get with timeoutMs rejects with QueueEmptyError, getNowait throws it; an aborted get rejects with the reason', async () => {
    const q = new Queue();
    await assert.rejects(q.get({ timeoutMs: 20 }), QueueEmptyError);
    assert.throws(() => q.getNowait(), QueueEmptyError);
    const controller = new AbortController();
    const waiting = q.get({ signal: controller.signal });
    controller.abort(new Error('enough'));
    await assert.rejects(waiting, /enough/);
    await q.put('after the abort');
    assert.equal(await q.get(), 'after the abort'); // the withdrawn get took nothing
  });

  it('close: puts throw QueueClosedError, gets take what is left and then reject, iteration ends', async () => {
    const q = new Queue<number>();
    await q.put(1);
    await q.put(2);
    q.close();
    await assert.rejects(q.put(3), QueueClosedError);
    const got: number[] = [];
    for await (const item of q) got.push(item);
    assert.deepEqual(got, [1, 2]);
  });

  it('JoinableQueue: taskDone counts, join resolves when all are done', async () => {
    const q = new JoinableQueue<number>();
    await q.put(1);
    assert.equal(await q.join({ timeoutMs: 10 }), false);
    await q.get();
    q.taskDone();
    assert.equal(await q.join(), true);
    assert.throws(() => q.taskDone(), TaskDoneError);
  });

  it('refuses the *Sync waits with NativeUnavailableError naming the async form', () => {
    const q = new JoinableQueue();
    assert.throws(
      () => q.getSync(),
      (error: unknown) => error instanceof NativeUnavailableError && /await queue\.get\(\)/.test(error.message),
    );
    assert.throws(() => q.putSync(1), NativeUnavailableError);
    assert.throws(() => q.joinSync(), NativeUnavailableError);
  });
});

describe('portable Queue across spawned processes', () => {
  it('two consumers double every item once: nothing lost or duplicated', async () => {
    const input = new Queue<number | null>();
    const output = new Queue<number>();
    const lock = new Lock();
    const children = [1, 2].map(() => track(new Process({ target: doubler, args: [input, output, lock] })));
    for (const child of children) child.start();
    const count = 300;
    for (let i = 0; i < count; i++) await input.put(i);
    for (const _ of children) await input.put(null);
    const got: number[] = [];
    for (let i = 0; i < count; i++) got.push(await output.get());
    assert.deepEqual(
      got.sort((a, b) => a - b),
      Array.from({ length: count }, (_, i) => i * 2),
    );
    for (const child of children) await child.join();
    assert.deepEqual(
      children.map((child) => child.exitCode),
      [0, 0],
    );
  });

  it('JoinableQueue.join in the parent waits for a child’s taskDone calls', async () => {
    const q = new JoinableQueue<number | null>();
    for (let i = 0; i < 20; i++) await q.put(i);
    await q.put(null);
    const child = track(new Process({ target: consumeJoinable, args: [q] }));
    child.start();
    assert.equal(await q.join(), true);
    await child.join();
  });

  it('in a child, synchronous queries of a parent’s queue are refused with NativeUnavailableError', async () => {
    const q = new Queue();
    const replies = new Queue<string[]>();
    const child = track(new Process({ target: syncRefusals, args: [q, new Event(), replies] }));
    child.start();
    assert.deepEqual(await replies.get(), ['NativeUnavailableError', 'NativeUnavailableError', 'NativeUnavailableError']);
    await child.join();
  });
});
