// A worker host's batches (src/cluster/batches.ts, pace.ts), with the worker process replaced by
// a function that records each batch and answers when the test says: which jobs travel
// together, from the measured hand-off cost and time per item; cancel and hand-back of waiting
// jobs; a batch that lost its worker process runs each job again alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BatchEntry, BatchReply } from '../../src/cluster/batch-runner.ts';
import { Batches, type HeldJob, type Outcome } from '../../src/cluster/batches.ts';
import { Pace } from '../../src/cluster/pace.ts';
import { WorkerLostError } from '../../src/errors.ts';

const job = (id: string, key = 'tasks.ts#square', items = 1): HeldJob => ({
  entry: { ref: { url: 'file:///x.ts', exportName: 'square', line: 0, column: 0, display: 'square' }, payload: '', id },
  key,
  items,
});

/** Batches over a recorded run: each batch waits until answer() or lose() is called for it. */
function harness(processes: number, pace = new Pace()) {
  const sent: { ids: string[]; answer: (runMs?: number) => void; lose: () => void }[] = [];
  const run = (entries: BatchEntry[]) =>
    new Promise<BatchReply>((resolve, reject) => {
      const ids = entries.map((entry) => entry.id);
      sent.push({
        ids,
        answer: (runMs = 0) => resolve({ results: ids.map((id) => `result ${id}`), ok: ids.map(() => true), runMs: ids.map(() => runMs) }),
        lose: () => reject(new WorkerLostError('Pool worker was killed by SIGKILL')),
      });
    });
  return { batches: new Batches(processes, run, pace), sent, pace };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('worker host batches', () => {
  it('a function not measured yet travels alone; once measured, as many jobs as one hand-off costs', async () => {
    const pace = new Pace();
    pace.record(1000, [{ key: 'tasks.ts#square', items: 1, runMs: 0 }]); // a hand-off: 1 s; a square: ~0
    pace.record(1900, [{ key: 'tasks.ts#slow', items: 1, runMs: 900 }]); // a slow one: 0.9 s
    // Each answer below is measured too: its wall time (well under 0.6 s) lowers the mean hand-off below 0.9 s.
    const { batches, sent } = harness(1, pace);
    const outcomes: Promise<Outcome>[] = [];
    outcomes.push(batches.submit(job('u0', 'tasks.ts#unknown')));
    for (let i = 0; i < 5; i++) outcomes.push(batches.submit(job(`s${i}`)));
    for (let i = 0; i < 3; i++) outcomes.push(batches.submit(job(`w${i}`, 'tasks.ts#slow')));
    await tick();
    assert.deepEqual(
      sent.map((batch) => batch.ids),
      [['u0']],
      'the unknown function first, alone: one process, one batch at a time',
    );
    sent[0]?.answer();
    await tick();
    assert.deepEqual(sent[1]?.ids, ['s0', 's1', 's2', 's3', 's4'], 'tiny jobs together (a slow one does not fit behind them)');
    sent[1]?.answer();
    await tick();
    assert.equal(sent[2]?.ids.length, 1, 'a job that costs most of a hand-off travels alone');
    assert.deepEqual(await outcomes[1], { result: 'result s0', ok: true });
  });

  it('a freed process takes its fair share of the waiting jobs, not all of them', async () => {
    const pace = new Pace();
    pace.record(10, [{ key: 'tasks.ts#square', items: 1, runMs: 0 }]);
    const { batches, sent } = harness(2, pace);
    for (let i = 0; i < 8; i++) void batches.submit(job(`j${i}`));
    await tick();
    // The first two submits found free processes; the six behind them wait.
    assert.deepEqual(
      sent.map((batch) => batch.ids),
      [['j0'], ['j1']],
    );
    sent[0]?.answer();
    await tick();
    assert.deepEqual(sent[2]?.ids, ['j2', 'j3', 'j4'], 'one process free of two: half of the six waiting');
  });

  it('measures the hand-off as the batch time at the host minus the time the jobs ran', () => {
    const pace = new Pace();
    pace.record(12, [
      { key: 'a', items: 10, runMs: 1 },
      { key: 'a', items: 10, runMs: 1 },
    ]);
    assert.equal(pace.handOffMs, 10);
    assert.equal(pace.cost('a', 10), 1);
    assert.equal(pace.batchSize('a', 10), 10);
    assert.equal(pace.batchSize('b', 10), 1, 'not measured: alone');
  });

  it('a waiting job is cancelled by its signal, and handed back when the host stops', async () => {
    const { batches, sent } = harness(1);
    const running = batches.submit(job('r'));
    const controller = new AbortController();
    const cancelled = batches.submit(job('c'), controller.signal);
    const handedBack = batches.submit(job('h'));
    controller.abort();
    assert.equal(await cancelled, 'cancelled');
    batches.handBack();
    assert.equal(await handedBack, 'handBack');
    assert.equal(await batches.submit(job('late')), 'handBack');
    sent[0]?.answer();
    assert.deepEqual(await running, { result: 'result r', ok: true }, 'the running one finishes');
    assert.equal(sent.length, 1);
  });

  it('a batch that lost its worker process runs each job again alone', async () => {
    const pace = new Pace();
    pace.record(10, [{ key: 'tasks.ts#square', items: 1, runMs: 0 }]);
    const { batches, sent } = harness(1, pace);
    const first = batches.submit(job('a'));
    const rest = [batches.submit(job('b')), batches.submit(job('c'))];
    await tick();
    sent[0]?.answer();
    await first;
    await tick();
    assert.deepEqual(sent[1]?.ids, ['b', 'c']);
    sent[1]?.lose();
    await tick();
    assert.deepEqual(sent[2]?.ids, ['b'], 'alone');
    sent[2]?.lose(); // b was the culprit
    await tick();
    assert.deepEqual(sent[3]?.ids, ['c']);
    sent[3]?.answer();
    const [b, c] = await Promise.all(rest);
    assert.ok(typeof b === 'object' && 'error' in b && b.error instanceof WorkerLostError);
    assert.deepEqual(c, { result: 'result c', ok: true });
  });
});
