// A Lock's holder SIGKILLed while others wait: exactly one waiter gets OwnerDiedError (naming
// the dead pid, with the lock held), the others then acquire it normally, all within the
// documented time. Waiters sleep on the futex with a 500 ms timeout and then look at the owner
// in /proc (docs/DECISIONS.md, "A dead holder"), so a waiter learns of the death at most 500 ms
// after it, plus the time to be scheduled: the bound checked here is 500 ms + 500 ms of
// scheduling slack on this loaded machine. Waiters: two children of the method and this process.
import { getContext, Pipe, type Connection, type StartMethod } from '../../src/index.ts';
import { Failures, HUNG, row, spread, within, type Row } from './row.ts';
import { acquireOutcome, awaitLock, holdLock } from './targets.ts';

/** The futex timeout of a waiter (docs/DECISIONS.md) and the scheduling slack allowed on top. */
const FUTEX_TIMEOUT_MS = 500;
const SLACK_MS = 500;
const ROUND_DEADLINE_MS = 60_000;

type Outcome = { outcome: string; at: number; pid?: number; message?: string };

/** `count` rounds of a killed Lock holder under `method`. */
export async function lockOwnerDeaths(method: StartMethod, count: number): Promise<Row> {
  const startedAt = performance.now();
  const failures = new Failures();
  const { Process, Lock } = getContext(method);
  const detections: number[] = [];
  for (let round = 0; round < count; round++) {
    const lock = new Lock();
    const [holderEnd, holderTheirs] = Pipe();
    const holder = new Process({ target: holdLock, args: [lock, holderTheirs] });
    const waiters: { process: InstanceType<typeof Process>; end: Connection }[] = [];
    try {
      holder.start();
      holderTheirs.close();
      if ((await within(holderEnd.recv(), ROUND_DEADLINE_MS)) !== 'held') throw new Error('the holder did not report holding the lock');
      for (let i = 0; i < 2; i++) {
        const [end, theirs] = Pipe();
        const waiter = new Process({ target: awaitLock, args: [lock, theirs] });
        waiter.start();
        theirs.close();
        waiters.push({ process: waiter, end });
      }
      for (const { end } of waiters)
        if ((await within(end.recv(), ROUND_DEADLINE_MS)) !== 'waiting') throw new Error('a waiter did not start waiting');
      const mine = acquireOutcome(lock);
      const killedAt = Date.now();
      holder.kill();
      const outcomes = await within(Promise.all([mine, ...waiters.map(({ end }) => end.recv<Outcome>())]), ROUND_DEADLINE_MS);
      if (outcomes === HUNG) throw new Error(`the waiters did not all get the lock within ${ROUND_DEADLINE_MS} ms`);
      const died = outcomes.filter((o) => o.outcome === 'OwnerDiedError');
      const other = outcomes.filter((o) => o.outcome !== 'OwnerDiedError' && o.outcome !== 'acquired');
      if (died.length !== 1 || other.length > 0)
        failures.add(`round ${round}: outcomes ${JSON.stringify(outcomes)} (expected one OwnerDiedError, the rest acquired)`);
      for (const o of died) {
        const latency = o.at - killedAt;
        detections.push(latency);
        if (o.pid !== holder.pid) failures.add(`round ${round}: OwnerDiedError names pid ${o.pid}, the holder was ${holder.pid}`);
        if (latency > FUTEX_TIMEOUT_MS + SLACK_MS)
          failures.add(`round ${round}: OwnerDiedError ${latency} ms after the kill (bound ${FUTEX_TIMEOUT_MS + SLACK_MS} ms)`);
      }
      for (const { process } of waiters) {
        await process.join();
        if (process.exitCode !== 0) failures.add(`round ${round}: a waiter ended with ${process.exitCode}`);
      }
    } catch (error) {
      failures.add(`round ${round}: ${(error as Error).message}`);
    } finally {
      for (const p of [holder, ...waiters.map((w) => w.process)]) {
        if (p.pid !== undefined && p.exitCode === null) p.kill();
        if (p.pid !== undefined) await p.join();
      }
      holderEnd.close();
      for (const { end } of waiters) end.close();
    }
  }
  const figures = `OwnerDiedError after the kill: ${spread(detections)} (bound ${FUTEX_TIMEOUT_MS + SLACK_MS} ms)`;
  return row('Lock holder SIGKILLed', method, count, failures, figures, startedAt);
}
