// Node conventions on Process under every start method: `await using` ends and reaps a child.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { getContext, ProcessStateError, waitReady } from '../../src/index.ts';
import { writeReport } from '../fixtures/targets.ts';
import { waitForever } from '../fixtures/process/waiting.ts';
import { isZombie, tempPath, testedMethods, track, waitForFile } from '../helpers.ts';

for (const method of testedMethods()) {
  const { Process } = getContext(method);

  describe(`Process conventions (${method})`, () => {
    it('`await using` terminates a running child at scope end, reaps it and closes the Process', async () => {
      const ready = tempPath('ready');
      let pid = 0;
      let outer: InstanceType<typeof Process> | undefined;
      {
        await using p = track(new Process({ target: waitForever, args: [ready] }));
        outer = p;
        p.start();
        await waitForFile(ready);
        pid = p.pid as number;
        assert.equal(p.isAlive(), true);
      }
      assert.equal(existsSync(`/proc/${pid}`) && !isZombie(pid), false, 'the child is gone');
      assert.equal(isZombie(pid), false, 'and reaped');
      assert.throws(() => outer.exitCode, ProcessStateError, 'closed');
    });

    it('join({ signal }) rejects with the reason when aborted; the child goes on; join(number) and { timeoutMs } still time out', async () => {
      const ready = tempPath('ready');
      const p = track(new Process({ target: waitForever, args: [ready] }));
      p.start();
      await waitForFile(ready);
      const controller = new AbortController();
      const joining = p.join({ signal: controller.signal });
      controller.abort();
      await assert.rejects(joining, (error: unknown) => error instanceof DOMException && error.name === 'AbortError');
      await assert.rejects(
        p.join({ signal: AbortSignal.timeout(20) }),
        (error: unknown) => error instanceof DOMException && error.name === 'TimeoutError',
      );
      assert.equal(p.isAlive(), true);
      await p.join(10);
      await p.join({ timeoutMs: 10, signal: new AbortController().signal });
      assert.equal(p.exitCode, null);
      p.terminate();
      await p.join({ signal: new AbortController().signal });
      assert.equal(p.exitCode, -15);
      await assert.rejects(p.join({ signal: 1 as never }), {
        name: 'TypeError',
        message: 'Expected `signal` to be an AbortSignal, got `1` (number).',
      });
    });

    it("waitReady([p], { signal }) waits for the child to end (Python's sentinel): an abort rejects with the reason, the end resolves [p]", async () => {
      const ready = tempPath('ready');
      const p = track(new Process({ target: waitForever, args: [ready] }));
      p.start();
      await waitForFile(ready);
      const controller = new AbortController();
      const waiting = waitReady([p], { signal: controller.signal });
      controller.abort();
      await assert.rejects(waiting, (error: unknown) => error instanceof DOMException && error.name === 'AbortError');
      assert.deepEqual(await waitReady([p], 10), []);
      const ended = waitReady([p], { signal: new AbortController().signal });
      p.terminate();
      assert.deepEqual(await ended, [p]);
      await p.join();
    });

    it('`await using` waits for nothing when the child already ended, or was never started', async () => {
      const report = tempPath('report');
      {
        await using p = track(new Process({ target: writeReport, args: [report, 1] }));
        p.start();
        await p.join();
        assert.equal(p.exitCode, 0);
      }
      {
        await using _never = new Process({ target: writeReport, args: [report, 2] });
      }
    });
  });
}
