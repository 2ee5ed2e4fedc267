// Pool traces under every start method: the Chrome trace schema (metadata naming every track,
// slices with a duration, instants, balanced call spans), task slices that match the chunks that
// ran (each input item exactly once, one slice per chunk, never overlapping on a worker's track),
// a worker's death and its replacement as instant events, the file written when the pool ends,
// and the option's errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getContext, Pool, ProcessStateError, type TraceDocument, type TraceEvent } from '../../src/index.ts';
import { initRemember, killSelf, square } from '../fixtures/pool/tasks.ts';
import { readJson, tempPath, testedMethods } from '../helpers.ts';

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Check the Chrome trace schema; returns the thread names by tid. */
function checkSchema(doc: TraceDocument): Map<number, string> {
  const parsed = JSON.parse(JSON.stringify(doc)) as TraceDocument;
  assert.deepEqual(parsed, doc, 'the trace survives JSON');
  assert.ok(Array.isArray(doc.traceEvents));
  assert.equal(doc.displayTimeUnit, 'ms');
  assert.ok(!Number.isNaN(Date.parse(String(doc.otherData.startTime))));
  const names = new Map<number, string>();
  const open = new Map<number, number>();
  for (const event of doc.traceEvents) {
    assert.equal(typeof event.name, 'string', JSON.stringify(event));
    assert.ok(['M', 'X', 'i', 'b', 'e'].includes(event.ph), JSON.stringify(event));
    assert.ok(Number.isFinite(event.ts) && event.ts >= 0, JSON.stringify(event));
    assert.equal(event.pid, process.pid);
    assert.ok(Number.isInteger(event.tid) && event.tid >= 0);
    if (event.ph === 'X') assert.ok(typeof event.dur === 'number' && Number.isFinite(event.dur) && event.dur >= 0, JSON.stringify(event));
    if (event.ph === 'i') assert.equal(event.s, 't');
    if (event.ph === 'b') open.set(event.id ?? -1, event.ts);
    if (event.ph === 'e') {
      const began = open.get(event.id ?? -1);
      assert.ok(began !== undefined && began <= event.ts, `call ${event.id} ends after it began`);
      open.delete(event.id ?? -1);
    }
    if (event.ph === 'M' && event.name === 'thread_name') names.set(event.tid, String(event.args?.name));
  }
  assert.deepEqual([...open.keys()], [], 'every call span ended');
  assert.ok(doc.traceEvents.some((e) => e.ph === 'M' && e.name === 'process_name'));
  for (const event of doc.traceEvents) assert.ok(names.has(event.tid), `track ${event.tid} has a name`);
  for (const [tid, name] of names) if (tid > 0) assert.match(name, new RegExp(`^worker ${tid} \\(pid \\d+\\)$`));
  return names;
}

function tasksOf(doc: TraceDocument, name: string): TraceEvent[] {
  return doc.traceEvents.filter((e) => e.ph === 'X' && e.cat === 'task' && e.name === name);
}

/** The items of the slices, in order: each input item exactly once. */
function coveredItems(slices: TraceEvent[]): number[] {
  const items: number[] = [];
  for (const slice of slices) for (let i = 0; i < Number(slice.args?.count); i++) items.push(Number(slice.args?.first) + i);
  return items.sort((a, b) => a - b);
}

/** On each worker's track, its tasks and idle waits never overlap. */
function checkTracks(doc: TraceDocument, names: Map<number, string>): void {
  const byTrack = new Map<number, TraceEvent[]>();
  for (const e of doc.traceEvents) {
    if (e.ph !== 'X' || e.tid === 0 || e.cat === 'start-up') continue;
    byTrack.set(e.tid, [...(byTrack.get(e.tid) ?? []), e]);
  }
  for (const [tid, slices] of byTrack) {
    slices.sort((a, b) => a.ts - b.ts);
    for (let i = 1; i < slices.length; i++) {
      const previous = slices[i - 1] as TraceEvent;
      const slice = slices[i] as TraceEvent;
      assert.ok(previous.ts + (previous.dur ?? 0) <= slice.ts + 0.01, `worker ${tid}: ${previous.name} overlaps ${slice.name}`);
    }
    const pid = Number(/pid (\d+)/.exec(names.get(tid) ?? '')?.[1]);
    for (const slice of slices) if (slice.cat === 'task') assert.equal(slice.args?.pid, pid);
  }
}

describe('Pool trace options', () => {
  it('rejects bad `trace` values in the house format', () => {
    assert.throws(() => new Pool({ processes: 1, trace: 3 as never }), {
      name: 'TypeError',
      message: 'Expected `trace` to be a file path or true, got `3` (number).',
    });
    assert.throws(() => new Pool({ processes: 1, trace: '' }), {
      name: 'RangeError',
      message: 'Expected `trace` to be a non-empty file path or true, got `""` (string).',
    });
    assert.throws(() => new Pool({ processes: 1, trace: {} as never }), TypeError);
  });

  it('trace() and writeTrace() on a pool without `trace` say how to turn it on', async () => {
    await using pool = new Pool({ processes: 1, trace: false });
    assert.throws(
      () => pool.trace(),
      (error: Error) => error instanceof ProcessStateError && /new Pool\(\{ trace: true \}\)/.test(error.message),
    );
    await assert.rejects(pool.writeTrace(tempPath('never.json')), ProcessStateError);
  });
});

for (const method of testedMethods()) {
  const ctx = getContext(method);

  describe(`Pool trace (${method})`, () => {
    it('has one slice per task with chunksize 1, each item once, tracks named after their workers', async () => {
      await using pool = new ctx.Pool({ processes: 2, trace: true, initializer: initRemember, initargs: [1] });
      assert.deepEqual(
        await pool.map(square, range(12), { chunksize: 1 }),
        range(12).map((x) => x * x),
      );
      pool.close();
      await pool.join();
      const doc = pool.trace();
      const names = checkSchema(doc);
      const slices = tasksOf(doc, 'square');
      assert.equal(slices.length, 12);
      assert.deepEqual(coveredItems(slices), range(12));
      for (const slice of slices) assert.equal(slice.args?.count, 1);
      assert.deepEqual(new Set(slices.map((s) => s.args?.call)), new Set([1]));
      checkTracks(doc, names);
      // Every worker that ran a task reported its start-up and initializer first.
      for (const tid of new Set(slices.map((s) => s.tid))) {
        const startUp = doc.traceEvents.find((e) => e.tid === tid && e.name === 'start-up');
        const init = doc.traceEvents.find((e) => e.tid === tid && e.name === 'initializer');
        assert.ok(startUp !== undefined && init !== undefined, `worker ${tid} start-up and initializer`);
        const first = Math.min(...slices.filter((s) => s.tid === tid).map((s) => s.ts));
        assert.ok(init.ts + (init.dur ?? 0) <= first + 0.01);
      }
      const calls = doc.traceEvents.filter((e) => e.cat === 'call');
      assert.deepEqual(
        calls.map((e) => [e.ph, e.name]),
        [
          ['b', 'map(square)'],
          ['e', 'map(square)'],
        ],
      );
      assert.ok(doc.traceEvents.some((e) => e.ph === 'i' && e.name === 'close()' && e.tid === 0));
      assert.equal(doc.traceEvents.filter((e) => e.ph === 'i' && e.name === 'worker exited').length, 2);
    });

    it('has one slice per chunk whose item ranges cover the input exactly once', async () => {
      await using pool = new ctx.Pool({ processes: 2, trace: true });
      await pool.map(square, range(23), { chunksize: 5 });
      const seen: number[] = [];
      for await (const value of pool.imapUnordered(square, range(10), { chunksize: 4 })) seen.push(value);
      assert.equal(seen.length, 10);
      await pool.terminate();
      const doc = pool.trace();
      checkTracks(doc, checkSchema(doc));
      const slices = tasksOf(doc, 'square');
      const mapped = slices.filter((s) => s.args?.call === 1);
      assert.equal(mapped.length, 5);
      assert.deepEqual(coveredItems(mapped), range(23));
      assert.deepEqual(mapped.map((s) => s.args?.chunk).sort(), [0, 1, 2, 3, 4]);
      const unordered = slices.filter((s) => s.args?.call === 2);
      assert.equal(unordered.length, 3);
      assert.deepEqual(coveredItems(unordered), range(10));
      assert.ok(unordered.every((s) => s.args?.method === 'imapUnordered()'));
    });

    it('shows a worker killed mid-task as an instant event, and its replacement', async () => {
      await using pool = new ctx.Pool({ processes: 1, trace: true });
      await assert.rejects(pool.apply(killSelf, []), { name: 'WorkerLostError' });
      assert.equal(await pool.apply(square, [7]), 49);
      pool.close();
      await pool.join();
      const doc = pool.trace();
      const names = checkSchema(doc);
      const died = doc.traceEvents.filter((e) => e.ph === 'i' && e.name === 'worker died');
      assert.equal(died.length, 1);
      const death = died[0] as TraceEvent;
      assert.equal(death.tid, 1);
      assert.equal(death.args?.signal, 'SIGKILL');
      assert.equal(death.args?.exitCode, -9);
      assert.equal((death.args?.lostTasks as unknown[]).length, 1);
      assert.equal(names.get(1), `worker 1 (pid ${String(death.args?.pid)})`);
      const lost = doc.traceEvents.find((e) => e.ph === 'X' && e.name === 'killSelf (lost)');
      assert.ok(lost !== undefined && lost.tid === 1 && lost.ts + (lost.dur ?? 0) <= death.ts + 0.01);
      const replacement = doc.traceEvents.find((e) => e.ph === 'i' && e.name === 'replacement');
      assert.ok(replacement !== undefined);
      assert.equal(replacement.tid, 2);
      assert.equal(replacement.args?.replaces, 1);
      assert.equal(replacement.args?.reason, 'died');
      assert.deepEqual(
        tasksOf(doc, 'square').map((s) => s.tid),
        [2],
      );
      const failed = doc.traceEvents.find((e) => e.ph === 'e' && e.name === 'apply(killSelf)');
      assert.equal(failed?.args?.failed, true);
    });

    it('writes the file when join() ends the pool, and again at terminate()', async () => {
      const path = tempPath('trace.json');
      const pool = new ctx.Pool({ processes: 2, trace: path });
      await pool.map(square, range(6), { chunksize: 2 });
      pool.close();
      await pool.join();
      const doc = readJson<TraceDocument>(path);
      checkSchema(doc);
      assert.deepEqual(coveredItems(tasksOf(doc, 'square')), range(6));
      await pool.terminate();
      assert.ok(readJson<TraceDocument>(path).traceEvents.length >= doc.traceEvents.length);
    });

    it('writes the file when `await using` ends the pool; writeTrace() writes at any time', async () => {
      const path = tempPath('trace.json');
      const early = tempPath('early.json');
      {
        await using pool = new ctx.Pool({ processes: 1, trace: path });
        await pool.apply(square, [3]);
        await pool.writeTrace(early);
        await assert.rejects(pool.writeTrace(''), {
          name: 'TypeError',
          message: 'Expected `path` to be a non-empty file path, got `""` (string).',
        });
      }
      assert.equal(tasksOf(readJson<TraceDocument>(early), 'square').length, 1);
      const doc = readJson<TraceDocument>(path);
      checkSchema(doc);
      assert.equal(tasksOf(doc, 'square').length, 1);
      assert.ok(doc.traceEvents.some((e) => e.name === 'terminate()'));
    });
  });
}
