// A call that ends early (a task's error, abort, timeout, terminate) leaves none of its tasks to run: not
// those still queued in Redis, nor those a host already took and had not started (prefetched).
// One host of 1 process takes 4 tasks; every task logs a line when it starts, then waits for a
// gate file. A follow-up call on the same host runs after anything it still held (FIFO), so the
// log is final once it returns.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Pool } from '../../src/cluster.ts';
import { loggedGateOrThrow, square } from '../fixtures/cluster/tasks.ts';
import { TimeoutError } from '../../src/errors.ts';
import { tempPath } from '../helpers.ts';
import { queueCounts, waitForEvents, waitForLines } from './events.ts';
import { redisMissing, redisWithHosts, startHost } from './redis.ts';

const skip = redisMissing();
type Item = [number, string, string, boolean];

describe('cluster Pool: the tasks of a call that ended do not run', { skip: skip ?? false }, () => {
  const { redis, hosts } = redisWithHosts();

  /** A host of 1 process (prefetch 4) on `queue`, 10 gated tasks (task 0 behind its own gate, failing if `fail0`). */
  async function setUp(queue: string, fail0: boolean) {
    hosts.push(await startHost(redis.socket, queue, ['--processes', '1']));
    const log = tempPath('log');
    const gate0 = tempPath('gate0');
    const gate = tempPath('gate');
    const items: Item[] = Array.from({ length: 10 }, (_, x) => [x, log, x === 0 ? gate0 : gate, fail0 && x === 0]);
    return { log, gate0, gate, items };
  }

  /** Once the host runs task 0 and holds tasks 1-3. */
  async function running(queue: string, log: string): Promise<void> {
    await waitForLines(log, 1);
    await waitForEvents(redis.socket, queue, 'active', 4);
  }

  /** The items that ran, from the log. */
  const ran = async (log: string, n: number) =>
    (await waitForLines(log, n)).map((line) => Number(line.split(' ')[0])).sort((a, b) => a - b);

  it('an error in a task (imap): the tasks after it that the host took or that were queued never start', async () => {
    const queue = 'cancel-error';
    const { log, gate0, gate, items } = await setUp(queue, true);
    await using pool = new Pool({ redis: { path: redis.socket }, queue });
    const seen: number[] = [];
    const consumed = (async () => {
      for await (const value of pool.imap(loggedGateOrThrow, items)) seen.push(value);
    })();
    void consumed.catch(() => undefined);
    await running(queue, log);
    writeFileSync(gate0, ''); // task 0 throws; the host starts task 1 (it waits on the gate)
    await assert.rejects(consumed, /task 0 failed/);
    await waitForEvents(redis.socket, queue, 'failed', 2); // tasks 2 and 3, held by the host, cancelled
    writeFileSync(gate, '');
    assert.deepEqual(await pool.map(square, [3]), [9]);
    assert.deepEqual(await ran(log, 2), [0, 1], 'only task 0 and task 1 (started before the error arrived) ran');
    assert.deepEqual(seen, []);
    const counts = await queueCounts(redis.socket, queue);
    assert.equal(counts['waiting'], 0);
    assert.equal(counts['active'], 0);
  });

  it('abort: the tasks the host took but had not started are cancelled, the queued ones removed', async () => {
    const queue = 'cancel-abort';
    const { log, gate0, gate, items } = await setUp(queue, false);
    await using pool = new Pool({ redis: { path: redis.socket }, queue });
    const controller = new AbortController();
    const call = pool.map(loggedGateOrThrow, items, { chunksize: 1, signal: controller.signal });
    void call.catch(() => undefined);
    await running(queue, log);
    controller.abort();
    await assert.rejects(call, { name: 'AbortError' });
    await waitForEvents(redis.socket, queue, 'failed', 3); // tasks 1-3
    writeFileSync(gate0, '');
    writeFileSync(gate, '');
    assert.deepEqual(await pool.map(square, [3]), [9]);
    assert.deepEqual(await ran(log, 1), [0]);
  });

  it('timeoutMs: the queued tasks are removed, the ones the host took and had not started cancelled', async () => {
    const queue = 'cancel-timeout';
    const { log, gate0, gate, items } = await setUp(queue, false);
    await using pool = new Pool({ redis: { path: redis.socket }, queue });
    // The timeout must fire while the host holds tasks 1-3: it has 5 s to take them, which it
    // does within milliseconds of their add (it waits on the queue). The test then waits for
    // that before the rejection (else the wait below times out and says so).
    const call = pool.map(loggedGateOrThrow, items, { chunksize: 1, timeoutMs: 5000 });
    const rejected = assert.rejects(call, (error: Error) => error instanceof TimeoutError && /5000 ms/.test(error.message));
    let settled = false;
    void call.catch(() => (settled = true));
    await running(queue, log);
    assert.equal(settled, false, 'the host held the tasks before the timeout fired');
    await rejected;
    await waitForEvents(redis.socket, queue, 'failed', 3); // tasks 1-3, held by the host, cancelled
    writeFileSync(gate0, '');
    writeFileSync(gate, '');
    assert.deepEqual(await pool.map(square, [3]), [9]);
    assert.deepEqual(await ran(log, 1), [0], 'only task 0 (running when the timeout fired) ran');
    const counts = await queueCounts(redis.socket, queue);
    assert.equal(counts['waiting'], 0, 'tasks 4-9 were removed from the queue');
    assert.equal(counts['active'], 0);
  });

  it('terminate: no task of the pool starts after it', async () => {
    const queue = 'cancel-terminate';
    const { log, gate0, gate, items } = await setUp(queue, false);
    const pool = new Pool({ redis: { path: redis.socket }, queue });
    const call = pool.map(loggedGateOrThrow, items, { chunksize: 1 });
    void call.catch(() => undefined);
    await running(queue, log);
    await pool.terminate();
    await assert.rejects(call, /terminated/);
    await waitForEvents(redis.socket, queue, 'failed', 3);
    writeFileSync(gate0, '');
    writeFileSync(gate, '');
    await using next = new Pool({ redis: { path: redis.socket }, queue });
    assert.deepEqual(await next.map(square, [3]), [9]);
    assert.deepEqual(await ran(log, 1), [0]);
  });
});
