// The cluster Pool over a real redis-server and real `multiproc worker` hosts: round trips, order,
// errors at their position, what cannot be sent, lost worker processes, abort and timeouts, two
// submitters on one queue.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { Pool, TaskImportError } from '../../src/cluster.ts';
import { ProcessError, SerializationError, TimeoutError } from '../../src/errors.ts';
import { add, big, failAt13, killWorkerAt7, loggedGate, square, whoRuns } from '../fixtures/cluster/tasks.ts';
import { tempPath } from '../helpers.ts';
import { queueCounts, waitForEvents, waitForLines } from './events.ts';
import { killHost, redisMissing, redisWithHosts, startHost, type Host } from './redis.ts';

const skip = redisMissing();
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('cluster Pool', { skip: skip ?? false }, () => {
  const { redis, hosts } = redisWithHosts();
  let queue = '';
  const open = (options: Record<string, unknown> = {}) => new Pool({ redis: { path: redis.socket }, queue, ...options });

  describe('with two hosts of two processes', () => {
    before(async () => {
      queue = 'round-trips';
      hosts.push(
        ...(await Promise.all([
          startHost(redis.socket, queue, ['--processes', '2']),
          startHost(redis.socket, queue, ['--processes', '2']),
        ])),
      );
    });

    it('map, starmap, apply, imap and imapUnordered round trips, results in input order', async () => {
      await using pool = open();
      assert.deepEqual(
        await pool.map(square, range(100), { chunksize: 7 }),
        range(100).map((x) => x * x),
      );
      assert.deepEqual(
        await pool.map(square, range(1000)),
        range(1000).map((x) => x * x),
      ); // default chunksize
      assert.deepEqual(
        await pool.starmap(add, [
          [1, 2],
          [3, 4],
          [5, 6],
        ]),
        [3, 7, 11],
      );
      assert.equal(await pool.apply(add, [20, 22]), 42);
      const ordered: number[] = [];
      for await (const value of pool.imap(square, range(30))) ordered.push(value);
      assert.deepEqual(
        ordered,
        range(30).map((x) => x * x),
      );
      const unordered: number[] = [];
      for await (const value of pool.imapUnordered(square, range(30), { chunksize: 4 })) unordered.push(value);
      assert.deepEqual(
        unordered.sort((a, b) => a - b),
        range(30).map((x) => x * x),
      );
      assert.deepEqual(await pool.map(square, []), []);
    });

    it('imap reads an infinite generator lazily (bounded pulls) and closes it on break', async () => {
      await using pool = open({ processes: 2 });
      let pulled = 0;
      let closed!: () => void;
      const finallyRan = new Promise<void>((resolve) => (closed = resolve));
      function* naturals(): Generator<number> {
        try {
          for (let i = 0; ; i++) {
            pulled++;
            yield i;
          }
        } finally {
          closed();
        }
      }
      const taken: number[] = [];
      for await (const value of pool.imap(square, naturals(), { buffersize: 3 })) {
        taken.push(value);
        if (taken.length === 8) break;
      }
      await finallyRan;
      assert.deepEqual(
        taken,
        range(8).map((x) => x * x),
      );
      assert.ok(pulled <= 8 + 3 + 1, `pulled ${pulled}`);
    });

    it('runs tasks on both hosts', async () => {
      await using pool = open();
      const ran = await pool.map(whoRuns, range(200), { chunksize: 1 });
      assert.deepEqual(
        ran.map(([x]) => x),
        range(200),
      );
      assert.ok(new Set(ran.map(([, pid]) => pid)).size >= 2, 'tasks ran in at least two worker processes');
    });

    it("rejects at a task's exception with its name, message, fields, remote stack and host", async () => {
      await using pool = open();
      const error = await pool.map(failAt13, range(40), { chunksize: 3 }).then(
        () => null,
        (e: unknown) => e as Error & { code?: string; host?: string },
      );
      assert.ok(error instanceof TypeError);
      assert.ok(error !== null);
      assert.equal(error.message, 'bad item 13');
      assert.equal((error as { code?: string }).code, 'E_THIRTEEN');
      assert.match(error.stack ?? '', /failAt13 .*cluster\/tasks\.ts/);
      assert.match(error.stack ?? '', /Pool\.map\(\) on worker host [^:]+:\d+/);
      assert.match((error as { host?: string }).host ?? '', /:\d+$/);
      // imap yields every result before the failing position, then throws there.
      const seen: number[] = [];
      await assert.rejects(async () => {
        for await (const value of pool.imap(failAt13, range(40), { chunksize: 2 })) seen.push(value);
      }, /bad item 13/);
      assert.deepEqual(seen, range(12));
    });

    it('refuses a closure or a non-exported function at once, before any round trip', async () => {
      await using pool = open();
      const local = (x: number) => x + 1;
      await assert.rejects(
        pool.map(local, [1]),
        (error: Error) => error instanceof SerializationError && /not exported/.test(error.message),
      );
    });

    it('a task whose worker process dies fails with WorkerLostError; the host serves on', async () => {
      await using pool = open();
      await assert.rejects(
        pool.map(killWorkerAt7, range(10), { chunksize: 2 }),
        (error: Error) => error.name === 'WorkerLostError' && /SIGKILL/.test(error.message),
      );
      assert.deepEqual(
        await pool.map(square, range(10)),
        range(10).map((x) => x * x),
      );
    });

    it('refuses a task over maxPayloadBytes, naming the limit', async () => {
      await using pool = open({ maxPayloadBytes: 2000 });
      await assert.rejects(
        pool.map(whoRuns as (x: unknown) => unknown, [1, 'x'.repeat(5000)], { chunksize: 1 }),
        (error: Error) =>
          error instanceof SerializationError &&
          /over the limit of 2000 bytes/.test(error.message) &&
          /maxPayloadBytes/.test(error.message),
      );
    });

    it('two submitters on one queue each get their own results', async () => {
      await using a = open();
      await using b = open();
      const [ra, rb] = await Promise.all([
        a.map(square, range(300), { chunksize: 5 }),
        b.map(
          square,
          range(300).map((x) => x + 1000),
          { chunksize: 5 },
        ),
      ]);
      assert.deepEqual(
        ra,
        range(300).map((x) => x * x),
      );
      assert.deepEqual(
        rb,
        range(300).map((x) => (x + 1000) * (x + 1000)),
      );
    });
  });

  describe('with one host of one process', () => {
    let host: Host;
    before(async () => {
      queue = 'one-host';
      host = await startHost(redis.socket, queue, ['--processes', '1']);
      hosts.push(host);
    });

    it('abort rejects with the reason, removes the queued tasks, and its late result reaches no other call', async () => {
      const pool = open();
      const log = tempPath('log');
      const gate = tempPath('gate');
      const controller = new AbortController();
      const call = pool.map(
        loggedGate,
        range(5).map((x) => [x, log, gate] as [number, string, string]),
        { chunksize: 1, signal: controller.signal },
      );
      await waitForLines(log, 1); // task 0 runs on the only process
      await waitForEvents(redis.socket, queue, 'active', 4); // the host holds 1..3 (4 per process); 4 waits in the queue
      controller.abort(new Error('stop now'));
      await assert.rejects(call, /stop now/);
      await waitForEvents(redis.socket, queue, 'failed', 3); // the host got the cancel: 1..3 end without running
      writeFileSync(gate, '');
      // Task 0 still finishes: its result must not reach this call.
      assert.deepEqual(await pool.map(square, [3, 4], { chunksize: 1 }), [9, 16]);
      pool.close();
      await pool.join(); // the removals are done
      const counts = await queueCounts(redis.socket, queue);
      assert.equal(counts.waiting, 0);
      assert.equal(counts.active, 0);
      assert.equal((await waitForLines(log, 1)).length, 1, 'tasks 1..4 never ran');
    });

    it('timeoutMs rejects with a TimeoutError and removes the queued tasks (no host serves the queue)', async () => {
      const pool = new Pool({ redis: { path: redis.socket }, queue: 'nobody-serves', timeoutMs: 300 });
      await assert.rejects(
        pool.map(square, range(10), { chunksize: 1 }),
        (error: Error) => error instanceof TimeoutError && /300 ms/.test(error.message),
      );
      await assert.rejects(pool.apply(square, [2], { timeoutMs: 100 }), TimeoutError);
      pool.close();
      await pool.join();
      assert.equal((await queueCounts(redis.socket, 'nobody-serves')).waiting, 0);
    });

    it('terminate() rejects the pending calls and removes their queued tasks', async () => {
      const pool = new Pool({ redis: { path: redis.socket }, queue: 'terminated' });
      const call = pool.map(square, range(20), { chunksize: 2 });
      await waitForEvents(redis.socket, 'terminated', 'waiting', 10); // the ten tasks reached Redis; no host serves this queue
      const rejected = assert.rejects(call, /terminated before this task finished/);
      await pool.terminate();
      await rejected;
      assert.equal((await queueCounts(redis.socket, 'terminated')).waiting, 0);
    });

    it("a result over the host's --max-payload-bytes fails that task with a SerializationError naming the limit", async () => {
      const small = await startHost(redis.socket, 'small-results', ['--processes', '1', '--max-payload-bytes', '4000']);
      hosts.push(small);
      await using pool = new Pool({ redis: { path: redis.socket }, queue: 'small-results' });
      assert.deepEqual(await pool.map(big, [10, 20]), ['x'.repeat(10), 'x'.repeat(20)]);
      await assert.rejects(
        pool.map(big, [10, 10_000], { chunksize: 1 }),
        (error: Error) => error.name === 'SerializationError' && /over the limit of 4000 bytes/.test(error.message),
      );
    });

    it('uses an existing ioredis connection given as `connection`, and leaves it open', async () => {
      const { Redis } = await import('ioredis');
      const connection = new Redis({ path: redis.socket, maxRetriesPerRequest: null });
      try {
        const pool = new Pool({ connection, queue });
        assert.deepEqual(await pool.map(square, [1, 2, 3]), [1, 4, 9]);
        pool.close();
        await pool.join();
        assert.equal(await connection.ping(), 'PONG');
      } finally {
        connection.disconnect();
      }
    });

    it('a function the host cannot import fails the task naming module, export, host and the fix', async () => {
      const elsewhere = mkdtempSync(join(tmpdir(), 'multiproc-root-'));
      const stranger = await startHost(redis.socket, 'no-code', ['--processes', '1', '--root', elsewhere]);
      hosts.push(stranger);
      try {
        await using pool = new Pool({ redis: { path: redis.socket }, queue: 'no-code' });
        const error = await pool.map(square, [1, 2]).then(
          () => null,
          (e: unknown) => e as Error,
        );
        assert.ok(error !== null);
        assert.ok(error instanceof TaskImportError);
        assert.match(error.message, /task function `square` of module test\/fixtures\/cluster\/tasks\.ts/);
        assert.match(error.message, new RegExp(`Worker host [^ ]+:${stranger.pid}`));
        assert.match(error.message, /--root/);
      } finally {
        await killHost(stranger);
        rmSync(elsewhere, { recursive: true, force: true });
      }
    });
  });

  it('Redis unreachable at submit: a RedisConnectionError naming the server', async () => {
    const missing = join(redis.dir, 'missing.sock');
    await using pool = new Pool({ redis: { path: missing }, queue: 'q', connectTimeoutMs: 300 });
    await assert.rejects(
      pool.map(square, [1]),
      (error: Error) => error.name === 'RedisConnectionError' && error.message.includes(`unix:${missing}`) && error instanceof ProcessError,
    );
  });

  it('a pool closed while its connection is mid-attempt to an unreachable Redis leaves no unhandled rejection', async () => {
    // The connection ends during an attempt ('connecting'), which fails whatever waited for it:
    // nothing of the pool may be left waiting without a listener (BullMQ's setup of a queue was).
    const { Redis } = await import('ioredis');
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      for (let round = 0; round < 3; round++) {
        const client = new Redis({ path: join(redis.dir, 'missing.sock'), maxRetriesPerRequest: null, retryStrategy: () => 5 });
        client.on('error', () => undefined);
        const pool = new Pool({ connection: client, queue: 'q' });
        const call = pool.map(square, [1]);
        const settled = call.then(
          () => 'resolved',
          (error: Error) => error.message,
        );
        let attempts = 0;
        await new Promise<void>((resolve) => client.on('connecting', () => ++attempts === 2 && resolve()));
        assert.equal(client.status, 'connecting');
        const ended = new Promise((resolve) => client.once('end', resolve));
        const terminated = pool.terminate();
        client.disconnect();
        await ended;
        assert.match(await settled, /The pool was terminated/);
        await terminated;
        await pool.join();
        await new Promise((resolve) => setImmediate(resolve)); // an unhandled rejection is reported by now
      }
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('options are checked in the house format', () => {
    assert.throws(() => new Pool({ redis: { path: redis.socket }, queue: '' }), /Expected `queue` to be a non-empty queue name/);
    assert.throws(
      () => new Pool({ redis: { path: redis.socket }, queue: 'q', maxAttempts: 0 }),
      /Expected `maxAttempts` to be a positive integer, got `0`/,
    );
    assert.throws(() => new Pool({ queue: 'q' }), /Expected `redis`/);
    assert.throws(() => new Pool({ redis: 'localhost:6379', queue: 'q' }), {
      name: 'TypeError',
      message: /Expected `redis` to be a redis:\/\/ or rediss:\/\/ URL/,
    });
    assert.throws(() => new Pool({ redis: { path: redis.socket }, queue: 'a:b' }), { name: 'RangeError', message: /without `:`/ });
    assert.throws(() => new Pool(null as never), { name: 'TypeError', message: /Expected `options` to be an object/ });
    assert.throws(() => new Pool({ redis: { path: redis.socket }, queue: 'q', timeoutMs: 2 ** 31 }), /at most 2147483647 ms/);
  });

  it("a call's bad options reject it in the house format and leave the pool usable", async () => {
    queue = 'bad-calls';
    hosts.push(await startHost(redis.socket, queue, ['--processes', '1']));
    const pool = open();
    await assert.rejects(pool.map(square, [1], { timeoutMs: -1 }), {
      name: 'RangeError',
      message: /Expected `timeoutMs` to be a non-negative/,
    });
    await assert.rejects(pool.map(square, [1], { timeoutMs: 'soon' as never }), { name: 'TypeError' });
    await assert.rejects(pool.apply(square, [1], { timeoutMs: 3e9 }), /Expected `timeoutMs` to be at most 2147483647 ms/);
    await assert.rejects(pool.map(square, [1], { chunksize: 0 }), /Expected `chunksize` to be a positive integer, got `0`/);
    await assert.rejects(pool.map(square, [1], { cancelRunning: true }), /Expected `cancelRunning` to be false or undefined/);
    assert.deepEqual(await pool.map(square, [1, 2], { timeoutMs: Infinity }), [1, 4]);
    pool.close();
    await pool.join(); // nothing of the refused calls is left to wait for
  });
});
