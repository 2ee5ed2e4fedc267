// The spin policy (src/connection/spin-policy.ts) as a pure state machine: synthetic latencies
// in, spin decisions out. No sockets, no clocks (test/connection/spin.test.ts watches it in a Pipe).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_SPIN_MICROS, SpinPolicy } from '../../src/connection/spin-policy.ts';

/** A machine as the policy sees it: replies take `sleepMicros` when this end sleeps, `spinMicros` when it spins (Infinity: a spin never meets one). */
interface Machine {
  sleepMicros: number;
  spinMicros: number;
}

/** `count` request/reply exchanges on `machine`; returns the windows the policy spun (0: slept). */
function run(policy: SpinPolicy, machine: Machine, count: number, clock = { now: 0 }): number[] {
  const spins: number[] = [];
  for (let i = 0; i < count; i++) {
    clock.now += 1;
    policy.noteSent();
    const window = policy.beforeWait(clock.now);
    spins.push(window);
    if (window > 0 && machine.spinMicros <= window) {
      policy.delivered(clock.now + machine.spinMicros / 1000); // during the spin
      policy.spinEnded();
    } else {
      if (window > 0) policy.spinEnded(); // missed: now it sleeps
      policy.delivered(clock.now + (window + machine.sleepMicros) / 1000);
    }
  }
  return spins;
}

const spinning = (spins: number[]) => spins.filter((w) => w > 0).length;

describe('SpinPolicy', () => {
  it('slow wake-ups with fast spin hits: it spins, with a window the size of the sleeping path', () => {
    const policy = new SpinPolicy(2);
    const spins = run(policy, { sleepMicros: 200, spinMicros: 8 }, 200);
    assert.equal(spins[0], 0, 'the sleeping path is measured first');
    assert.ok(
      spins.slice(2).every((w) => w > 0),
      `it spins on every wait once it knows: ${spins.slice(0, 12).join(',')}`,
    );
    assert.equal(policy.window, 200, 'the window is what sleeping costs');
  });

  it('fast wake-ups: the window follows the machine (no constant tuned to one)', () => {
    const fast = new SpinPolicy(2);
    run(fast, { sleepMicros: 25, spinMicros: 5 }, 50);
    assert.equal(fast.window, 25);
    const slow = new SpinPolicy(2);
    run(slow, { sleepMicros: 5000, spinMicros: 5 }, 50);
    assert.equal(slow.window, MAX_SPIN_MICROS, 'never longer than the bound on event-loop delay');
  });

  it('spins that never hit: it backs off to rare probes, and spins again once probes hit', () => {
    const policy = new SpinPolicy(2);
    const clock = { now: 0 };
    const missing = run(policy, { sleepMicros: 300, spinMicros: Infinity }, 2000, clock);
    const late = missing.slice(1000);
    assert.ok(spinning(late) <= 1000 / 128, `probes became rare: ${spinning(late)} spins in the last 1000 waits`);
    assert.ok(spinning(late) >= 1, 'it still probes now and then');
    assert.ok(policy.window <= 300 + 1, `a missed spin is not counted as sleeping cost (window ${policy.window})`);
    const back = run(policy, { sleepMicros: 300, spinMicros: 10 }, 600, clock);
    assert.ok(
      back.slice(-50).every((w) => w > 0),
      'after a probe hits, it spins again',
    );
  });

  it('spins whose replies come late (more processes than CPUs: the spinner delays its peer) do not pay: it backs off', () => {
    const policy = new SpinPolicy(2);
    const spins = run(policy, { sleepMicros: 100, spinMicros: 80 }, 2000);
    assert.ok(spinning(spins.slice(1000)) <= 1000 / 128, `${spinning(spins.slice(1000))} spins in the last 1000 waits`);
  });

  it('a machine where only spinning makes replies fast (the peer spins too): it finds the spinning path, not just the slow one it measured', () => {
    const policy = new SpinPolicy(2);
    const spins = run(policy, { sleepMicros: 400, spinMicros: 15 }, 100);
    assert.ok(spinning(spins) >= 95, `${spinning(spins)} of 100 waits spun`);
  });

  it('one CPU: never; told never to (a Pool): never; nothing due (no send since the last receive): never', () => {
    const one = new SpinPolicy(1);
    assert.equal(spinning(run(one, { sleepMicros: 200, spinMicros: 1 }, 100)), 0);
    const pool = new SpinPolicy(4);
    pool.neverSpin();
    assert.equal(spinning(run(pool, { sleepMicros: 200, spinMicros: 1 }, 100)), 0);
    const idle = new SpinPolicy(2);
    run(idle, { sleepMicros: 200, spinMicros: 1 }, 10);
    assert.equal(idle.beforeWait(1000), 0, 'the reply came: the next receive awaits nothing');
    assert.equal(idle.timing, false);
  });

  it('a receive that gave up after a long wait: one such wait does not stop spinning that hits, and the window stays bounded', () => {
    const policy = new SpinPolicy(2);
    const clock = { now: 0 };
    run(policy, { sleepMicros: 100, spinMicros: 5 }, 20, clock);
    policy.noteSent();
    policy.beforeWait((clock.now += 1));
    policy.spinEnded(); // missed
    policy.waitEnded(clock.now + 30_000); // gave up after 30 s
    const after = run(policy, { sleepMicros: 100, spinMicros: 5 }, 20, clock);
    assert.ok(
      after.every((w) => w > 0 && w <= MAX_SPIN_MICROS),
      after.join(','),
    );
  });

  it('in a forked child, a wait the parent was timing is forgotten', () => {
    const policy = new SpinPolicy(2);
    policy.noteSent();
    policy.beforeWait(0);
    policy.forgetAfterFork();
    assert.equal(policy.timing, false);
  });
});
