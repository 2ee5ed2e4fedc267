// How a Pool's workers start, under every start method: a worker that has not answered yet holds
// one batch only, so a slow starter does not keep work the running workers could do; the trace
// shows each worker's start() and start-up; under forkserver, the workers of a Pool that ended
// leave as many warm spares, which the next Pool's workers are.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { getContext, Semaphore } from '../../src/index.ts';
import { initTakeGate, square } from '../fixtures/pool/tasks.ts';
import { isRunning, testedMethods } from '../helpers.ts';

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

    it("traces each worker's start() within its start-up", async () => {
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
        assert.ok((start.dur ?? -1) >= 0 && (start.dur ?? 0) <= (startUp.dur ?? 0), `worker ${tid}: start() within start-up`);
      }
    });
  });
}

function parentOf(pid: number | string): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

// The running spares of this process's fork server.
function spares(): Set<number> {
  const found = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let title: string;
    try {
      title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!title.startsWith('multiproc: forkserver spare')) continue;
    const server = parentOf(entry);
    if (server !== null && parentOf(server) === process.pid && isRunning(Number(entry))) found.add(Number(entry));
  }
  return found;
}

// Spares that were not running in `before`: waits (loop turns, with a deadline) until there are `count`.
async function newSpares(before: Set<number>, count: number, timeoutMs = 20_000): Promise<Set<number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const fresh = new Set([...spares()].filter((pid) => !before.has(pid)));
    if (fresh.size >= count) return fresh;
    if (Date.now() > deadline) throw new Error(`${fresh.size} new spares, not ${count}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
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
