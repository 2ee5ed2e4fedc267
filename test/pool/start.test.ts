// How a Pool's workers start, under every start method: a worker that has not answered yet holds
// one batch only, so a slow starter does not keep work the running workers could do; the trace
// shows each worker's start() and start-up; under forkserver, the workers of a Pool that ended
// leave as many warm spares, which the next Pool's workers are.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getContext, Semaphore } from '../../src/index.ts';
import { initTakeGate, square } from '../fixtures/pool/tasks.ts';
import { newSpares, forkServerSpares as spares } from '../bootstrap/spares.ts';
import { testedMethods } from '../helpers.ts';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

for (const method of testedMethods()) {
  const ctx = getContext(method);

  describe(`Pool start (${method})`, () => {
    it('gives a worker that has not answered yet one batch, and the rest to the workers that answer', { timeout: 60_000 }, async () => {
      // The first worker past the initializer keeps the gate: the second waits there until released.
      const gate = new Semaphore(1);
      await using pool = new ctx.Pool({ processes: 2, initializer: initTakeGate, initargs: [gate] });
      const seen: number[] = [];
      for await (const value of pool.imapUnordered(square, range(10), { chunksize: 1 })) {
        seen.push(value);
        // All but the one task the waiting worker holds came back: let it start.
        if (seen.length === 9) gate.release();
      }
      assert.deepEqual(
        seen.sort((a, b) => a - b),
        range(10).map((x) => x * x),
      );
    });

    it("traces each worker's start() beside its start-up, from the same instant", async () => {
      await using pool = new ctx.Pool({ processes: 2, trace: true });
      assert.deepEqual(
        await pool.map(square, range(8), { chunksize: 1 }),
        range(8).map((x) => x * x),
      );
      const events = pool.trace().traceEvents;
      for (const tid of [1, 2]) {
        const start = events.find((e) => e.tid === tid && e.name === 'start()');
        const startUp = events.find((e) => e.tid === tid && e.name === 'start-up');
        assert.ok(start !== undefined && startUp !== undefined, `worker ${tid}: start() and start-up`);
        assert.equal(start.cat, 'start-up');
        assert.equal(start.ts, startUp.ts);
        // Both begin at Process.start(); neither need contain the other: under forkserver a spare
        // runs the worker's code as soon as the server forwards the request, which can be before
        // the server's answer (the pid) ends the parent's start().
        assert.ok((start.dur ?? -1) >= 0, `worker ${tid}: start() has a duration`);
        assert.ok((startUp.dur ?? -1) >= 0, `worker ${tid}: start-up has a duration`);
      }
    });
  });
}

describe('Pool workers and the fork server spares', { skip: testedMethods().includes('forkserver') ? false : 'no forkserver here' }, () => {
  const ctx = getContext('forkserver');

  it("the next Pool's workers are the spares its predecessor's workers left", async () => {
    const before = spares();
    const first = new ctx.Pool({ processes: 2 });
    assert.deepEqual(await first.map(square, range(4)), [0, 1, 4, 9]);
    const gone = first.pids;
    first.close();
    await first.join();
    const left = await newSpares(new Set([...before, ...gone]), 2);
    await using next = new ctx.Pool({ processes: 2 });
    for (const pid of next.pids) assert.ok(left.has(pid), `worker ${pid} is one of the spares ${[...left].join(', ')}`);
    assert.deepEqual(await next.map(square, range(4)), [0, 1, 4, 9]);
  });
});
