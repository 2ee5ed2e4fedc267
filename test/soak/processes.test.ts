// The soak's process scenarios (bench/soak/), shortened to seconds: start→join cycles with a
// Pipe end, a Value and a Lock (no fd, /dev/shm, child or zombie growth), Pool maps with a worker
// SIGKILLed (completed or WorkerLostError, no hang), a killed Lock holder (one OwnerDiedError
// within the documented time), a Ctrl+C of a busy Pool and SIGKILLed parents of whole trees
// (nothing left). `npm run soak` runs them long.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ctrlC } from '../../bench/soak/ctrl-c.ts';
import { cycles } from '../../bench/soak/cycles.ts';
import { lockOwnerDeaths } from '../../bench/soak/lock-owner.ts';
import { parentKills } from '../../bench/soak/parent-kill.ts';
import { poolKills } from '../../bench/soak/pool-kill.ts';
import type { Row } from '../../bench/soak/row.ts';
import { testedMethods } from '../helpers.ts';

function passes(r: Row, cases: number): void {
  assert.equal(r.cases, cases);
  assert.deepEqual(r.failures, [], `${r.failureCount} failures (${r.figures})`);
}

for (const method of testedMethods()) {
  describe(`soak, shortened (${method})`, () => {
    // A spawned child costs a Node start-up (and compiling TypeScript here): fewer rounds under spawn.
    const spawned = method === 'spawn';
    const count = spawned ? 8 : 30;
    const rounds = spawned ? 1 : 2;
    it(`${count} start→join cycles with a Pipe end, a Value and a Lock: no fd, /dev/shm, child or zombie growth`, async () => {
      // A first run takes the high-water marks (a second 1 MiB arena for Pipe lanes and Values, made
      // once a cycle's objects outlive the next ones until a collection): a short run's own warm-up
      // (a tenth of it) is too short for that, the full soak's is not (no growth over 10,000 cycles).
      await cycles(method, count);
      passes(await cycles(method, count), count);
    });

    it('Pool maps with a worker SIGKILLed mid-map: each completed or WorkerLostError, none hung', async () => {
      const maps = spawned ? 6 : 10;
      const r = await poolKills(method, maps);
      passes(r, maps);
      assert.match(r.figures, /WorkerLostError [1-9]/, 'some kills landed mid-map');
    });

    it('a Lock holder SIGKILLed: one waiter gets OwnerDiedError within the futex timeout and slack, the others the lock', async () => {
      passes(await lockOwnerDeaths(method, rounds), rounds);
    });

    it('Ctrl+C of a program with a busy Pool: the whole tree ends', async () => {
      passes(await ctrlC(method, rounds), rounds);
    });
  });
}

describe('soak, shortened: parents SIGKILLed', () => {
  it('a parent with children and grandchildren of every start method SIGKILLed: no survivor', async () => {
    passes(await parentKills(testedMethods(), 1), 1);
  });
});
