// What users of pools watch, under every start method: the events ('workerCreate',
// 'workerExit', 'drain'), the counters (completed, queueSize, utilization), map's onProgress, and
// an abort with `cancelRunning` ending the workers running the call's tasks.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { getContext, Pool, type PoolWorkerExit, type PoolWorkerInfo } from '../../src/index.ts';
import { announceAndHang, square } from '../fixtures/pool/tasks.ts';
import { isRunning, tempPath, testedMethods, waitForFile } from '../helpers.ts';

async function* asyncRange(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) {
    await Promise.resolve();
    yield i;
  }
}

describe('Pool call options (observing)', () => {
  it('rejects bad onProgress and cancelRunning in the house format', async () => {
    await using pool = new Pool({ processes: 1 });
    await assert.rejects(pool.map(square, [1], { onProgress: 3 as never }), {
      name: 'TypeError',
      message: 'Expected `onProgress` to be a function, got `3` (number).',
    });
    await assert.rejects(pool.map(square, [1], { cancelRunning: 'yes' as never }), {
      name: 'TypeError',
      message: 'Expected `cancelRunning` to be a boolean, got `"yes"` (string).',
    });
  });
});

for (const method of testedMethods()) {
  const ctx = getContext(method);

  describe(`Pool events and statistics (${method})`, () => {
    it('tells workerCreate, drain and workerExit, and counts completed items', async () => {
      const pool = new ctx.Pool({ processes: 2 });
      const created: PoolWorkerInfo[] = [];
      const exited: PoolWorkerExit[] = [];
      pool.on('workerCreate', (worker) => created.push(worker));
      pool.on('workerExit', (worker) => exited.push(worker));
      let drains = 0;
      pool.on('drain', () => drains++);
      assert.equal(pool.completed, 0);
      assert.equal(pool.queueSize, 0);
      const drained = once(pool, 'drain');
      const result = await pool.map(
        square,
        Array.from({ length: 40 }, (_, i) => i),
        { chunksize: 3 },
      );
      assert.equal(result.length, 40);
      await drained;
      assert.equal(drains, 1);
      assert.equal(pool.completed, 40);
      assert.equal(pool.queueSize, 0);
      assert.ok(pool.utilization > 0 && pool.utilization <= 1, `utilization ${pool.utilization}`);
      assert.equal(created.length, 2);
      assert.deepEqual(created.map((w) => w.pid).sort(), pool.pids.sort());
      for (const worker of created) assert.match(worker.name, /PoolWorker-/);
      await pool.apply(square, [3]);
      assert.equal(drains, 2);
      assert.equal(pool.completed, 41);
      pool.close();
      await pool.join();
      assert.equal(exited.length, 2);
      assert.deepEqual(exited.map((w) => w.pid).sort(), created.map((w) => w.pid).sort());
      for (const worker of exited) {
        assert.equal(worker.reason, 'stopped');
        assert.equal(worker.exitCode, 0);
        assert.equal(worker.signal, null);
      }
    });

    it('reports progress on map: items done out of the total, then the total once the input ended', async () => {
      await using pool = new ctx.Pool({ processes: 2 });
      const seen: [number, number | null][] = [];
      await pool.map(
        square,
        Array.from({ length: 10 }, (_, i) => i),
        { chunksize: 3, onProgress: (done, total) => seen.push([done, total]) },
      );
      assert.deepEqual(seen[0], [0, 10]);
      assert.deepEqual(seen.at(-1), [10, 10]);
      const steps = seen.slice(1).map(([done], i) => done - (seen[i] as [number, number])[0]);
      assert.deepEqual(steps.sort(), [1, 3, 3, 3], `chunks of 3, 3, 3 and 1 items: ${JSON.stringify(seen)}`);
      const lazy: [number, number | null][] = [];
      await pool.map(square, asyncRange(5), { chunksize: 1, onProgress: (done, total) => lazy.push([done, total]) });
      assert.deepEqual(lazy.at(-1), [5, 5]);
      const totals = lazy.map(([, total]) => total);
      const known = totals.indexOf(5);
      assert.ok(
        known >= 0 && totals.slice(0, known).every((t) => t === null) && totals.slice(known).every((t) => t === 5),
        `total null until the input ended: ${JSON.stringify(lazy)}`,
      );
      assert.deepEqual([...new Set(lazy.map(([done]) => done))], [...new Set(lazy.map(([done]) => done))].sort(), 'done only grows');
      const streamed: number[] = [];
      for await (const value of pool.imap(square, [1, 2, 3], { onProgress: (done) => streamed.push(done) })) assert.ok(value > 0);
      assert.equal(streamed.at(-1), 3);
      await assert.rejects(
        pool.map(square, [1, 2, 3], {
          onProgress: (done) => {
            if (done > 0) throw new RangeError('progress bar broke');
          },
        }),
        { name: 'RangeError', message: 'progress bar broke' },
      );
    });

    it('cancelRunning: an abort ends the worker running the call; other calls go on', async () => {
      await using pool = new ctx.Pool({ processes: 1 });
      const exits: PoolWorkerExit[] = [];
      pool.on('workerExit', (worker) => exits.push(worker));
      const marker = tempPath('cancel');
      const controller = new AbortController();
      const call = pool.apply(announceAndHang, [marker], { signal: controller.signal, cancelRunning: true });
      const behind = pool.apply(square, [7]); // waits in the same worker's pipe, behind the hanging task
      await waitForFile(marker);
      const [hungPid] = pool.pids as [number];
      const replaced = once(pool, 'workerCreate');
      controller.abort(new Error('stop it'));
      await assert.rejects(call, /stop it/);
      const [replacement] = (await replaced) as [PoolWorkerInfo];
      assert.notEqual(replacement.pid, hungPid);
      assert.equal(await behind, 49);
      assert.equal(await pool.apply(square, [6]), 36);
      const exit = exits.find((worker) => worker.pid === hungPid);
      assert.ok(exit !== undefined, 'the cancelled worker was reaped');
      assert.equal(exit.reason, 'cancelled');
      assert.equal(isRunning(hungPid), false);
      assert.deepEqual(pool.pids, [replacement.pid]);
    });

    it('without cancelRunning an abort leaves the running task to its end', async () => {
      await using pool = new ctx.Pool({ processes: 1 });
      const marker = tempPath('keep');
      const controller = new AbortController();
      const call = pool.apply(announceAndHang, [marker], { signal: controller.signal });
      await waitForFile(marker);
      const [hungPid] = pool.pids as [number];
      controller.abort(new Error('stop it'));
      await assert.rejects(call, /stop it/);
      assert.deepEqual(pool.pids, [hungPid]);
      assert.equal(isRunning(hungPid), true);
    });
  });
}
