// Pool worker lifetime under every start method: a worker that dies mid-task (SIGKILL,
// process.exit) rejects what it held with WorkerLostError and is replaced; a failing
// initializer is reported; terminate with many queued tasks; abort; maxTasksPerChild.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getContext, ProcessError, WorkerLostError } from '../../src/index.ts';
import { announceAndHang, exitSelf, initFail, killSelf, pid, slowSquare, square } from '../fixtures/pool/tasks.ts';
import { isRunning, tempPath, testedMethods, waitForFile } from '../helpers.ts';

for (const method of testedMethods()) {
  const ctx = getContext(method);

  describe(`Pool worker lifetime (${method})`, () => {
    it('rejects a task whose worker was killed with WorkerLostError and replaces the worker', async () => {
      await using pool = new ctx.Pool({ processes: 2 });
      const before = pool.pids;
      await assert.rejects(pool.apply(killSelf, []), (error: WorkerLostError) => {
        assert.ok(error instanceof WorkerLostError, String(error));
        assert.equal(error.signal, 'SIGKILL');
        assert.equal(error.exitCode, -9);
        assert.ok(before.includes(error.pid ?? -1));
        assert.match(error.message, /apply\(\)/);
        return true;
      });
      assert.deepEqual(await pool.map(square, [1, 2, 3, 4], { chunksize: 1 }), [1, 4, 9, 16]);
      assert.equal(pool.pids.length, 2);
    });

    it('gives the tasks queued behind a dying task to another worker', async () => {
      await using pool = new ctx.Pool({ processes: 1 });
      const lost = pool.apply(killSelf, []);
      const next = pool.apply(square, [7]);
      await assert.rejects(lost, WorkerLostError);
      assert.equal(await next, 49);
    });

    it('rejects a task whose worker called process.exit', async () => {
      await using pool = new ctx.Pool({ processes: 2 });
      await assert.rejects(pool.apply(exitSelf, [3]), (error: WorkerLostError) => {
        assert.ok(error instanceof WorkerLostError, String(error));
        assert.equal(error.exitCode, 3);
        return true;
      });
      assert.equal(await pool.apply(square, [5]), 25);
    });

    it('rejects a map whose worker died midway, without hanging', async () => {
      await using pool = new ctx.Pool({ processes: 2 });
      await assert.rejects(pool.map(exitSelf, [1]), WorkerLostError);
      assert.deepEqual(await pool.map(square, [2, 3]), [4, 9]);
    });

    it('reports a failing initializer instead of restarting workers forever', async () => {
      await using pool = new ctx.Pool({ processes: 2, initializer: initFail });
      await assert.rejects(pool.apply(square, [2]), (error: ProcessError) => {
        assert.ok(error instanceof ProcessError);
        assert.match(error.message, /initializer failed/);
        assert.match((error.cause as Error).message, /init exploded/);
        return true;
      });
      await assert.rejects(pool.map(square, [1]), /initializer failed/);
    });

    it('terminate() with many queued tasks rejects them and leaves no worker behind', async () => {
      const pool = new ctx.Pool({ processes: 2 });
      const marker = tempPath('hang');
      const hanging = assert.rejects(pool.apply(announceAndHang, [marker]), /terminated/);
      const queued = assert.rejects(
        pool.map(
          square,
          Array.from({ length: 10_000 }, (_, i) => i),
          { chunksize: 1 },
        ),
        /terminated/,
      );
      await waitForFile(marker);
      const pids = pool.pids;
      await pool.terminate();
      await hanging;
      await queued;
      for (const p of pids) assert.equal(isRunning(p), false, `worker ${p} still runs`);
      await assert.rejects(pool.apply(square, [1]), /terminated/);
      await pool.join();
    });

    it('an AbortSignal cancels a call; the pool stays usable', async () => {
      await using pool = new ctx.Pool({ processes: 2 });
      const controller = new AbortController();
      const marker = tempPath('abort');
      const hanging = pool.apply(announceAndHang, [marker]).catch((error: unknown) => error);
      const call = pool.map(
        slowSquare,
        Array.from({ length: 200 }, (_, i) => i),
        { chunksize: 1, signal: controller.signal },
      );
      controller.abort(new Error('stop it'));
      await assert.rejects(call, /stop it/);
      await assert.rejects(pool.apply(square, [1], { signal: AbortSignal.abort() }), { name: 'AbortError' });
      await waitForFile(marker);
      assert.equal(await pool.apply(square, [6]), 36);
      await pool.terminate();
      assert.match(String(await hanging), /terminated/);
    });

    it('maxTasksPerChild recycles workers', async () => {
      await using pool = new ctx.Pool({ processes: 2, maxTasksPerChild: 2 });
      const pids = await pool.map(
        pid,
        Array.from({ length: 8 }, (_, i) => i),
        { chunksize: 1 },
      );
      assert.equal(pids.length, 8);
      const counts = new Map<number, number>();
      for (const p of pids) counts.set(p, (counts.get(p) ?? 0) + 1);
      assert.ok(counts.size >= 4, `8 tasks at 2 per worker need at least 4 workers, saw ${counts.size}`);
      for (const n of counts.values()) assert.ok(n <= 2);
    });
  });
}
