// Pool.join({ signal }) under every start method: an abort rejects with the signal's reason and
// only stops the waiting; the pool finishes its tasks, and a later join resolves.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Event, getContext } from '../../src/index.ts';
import { afterGate } from '../fixtures/pool/tasks.ts';
import { testedMethods } from '../helpers.ts';

for (const method of testedMethods()) {
  describe(`Pool.join({ signal }) (${method})`, () => {
    it('rejects with the reason when aborted while a task runs; the task still completes and join() then resolves', async () => {
      const pool = new (getContext(method).Pool)({ processes: 1 });
      const gate = new Event();
      try {
        const task = pool.apply(afterGate, [gate]);
        pool.close();
        const controller = new AbortController();
        const joining = pool.join({ signal: controller.signal });
        controller.abort();
        await assert.rejects(joining, (error: unknown) => error instanceof DOMException && error.name === 'AbortError');
        await assert.rejects(
          pool.join({ signal: AbortSignal.timeout(20) }),
          (error: unknown) => error instanceof DOMException && error.name === 'TimeoutError',
        );
        gate.set();
        assert.equal(await task, 'done');
        await pool.join({ signal: new AbortController().signal });
      } finally {
        await pool.terminate();
      }
    });
  });
}
