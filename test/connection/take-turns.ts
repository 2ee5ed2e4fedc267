// Two children take turns on one read end under a Lock (the take-turns fixture) while this
// process sends `messages` then two 'stop's: each message must reach exactly one of them.
// Shared by children.test.ts and lane.test.ts.
import assert from 'node:assert/strict';
import { Lock, Pipe, type Process } from '../../src/index.ts';
import { takeTurns } from '../fixtures/connection/targets.ts';
import { track } from '../helpers.ts';

type ProcessClass = new (options: { target: typeof takeTurns; args: Parameters<typeof takeTurns> }) => Process;

export async function checkTakingTurns(ProcessOf: ProcessClass, messages: unknown[]): Promise<void> {
  const [input, feed] = Pipe(false);
  const [report, reportBack] = Pipe();
  const lock = new Lock();
  const children = [0, 1].map(() => track(new ProcessOf({ target: takeTurns, args: [input, lock, reportBack] })));
  for (const p of children) p.start();
  input.close();
  reportBack.close();
  for (const message of messages) void feed.send(message);
  void feed.send('stop');
  void feed.send('stop');
  const counts = [await report.recv<number>(), await report.recv<number>()];
  assert.equal(counts[0]! + counts[1]!, messages.length, `every message exactly once (got ${counts.join(' + ')})`);
  await Promise.all(children.map((p) => p.join()));
  assert.deepEqual(
    children.map((p) => p.exitCode),
    [0, 0],
  );
  feed.close();
  report.close();
}
