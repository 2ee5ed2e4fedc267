// The spin policy (src/connection/spin-policy.ts) as a pure state machine: synthetic times in,
// spin decisions out. No sockets, no clocks (test/connection/spin.test.ts watches it in a Pipe).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SPIN_MICROS, SpinPolicy } from '../../src/connection/spin-policy.ts';

/** One request/reply exchange at `now` (ms): this end sends, its receive would wait, the reply comes `replyMicros` later. Returns the µs it was told to spin. */
function exchange(policy: SpinPolicy, now: number, replyMicros: number): number {
  policy.noteSent();
  const spin = policy.beforeWait(now);
  policy.delivered(now + replyMicros / 1000);
  return spin;
}

describe('SpinPolicy', () => {
  it('a receive that awaits a reply spins, for SPIN_MICROS; one that awaits nothing (no send since the last receive) does not', () => {
    const policy = new SpinPolicy(2);
    assert.equal(policy.beforeWait(0), 0, 'nothing sent yet');
    assert.equal(policy.timing, false);
    policy.noteSent();
    assert.equal(policy.beforeWait(1), SPIN_MICROS);
    assert.equal(policy.timing, true, 'the wait is timed');
    policy.delivered(1.01);
    assert.equal(policy.timing, false);
    assert.equal(policy.beforeWait(2), 0, 'the reply came: the next receive awaits nothing');
  });

  it('fast replies keep it spinning', () => {
    const policy = new SpinPolicy(2);
    for (let i = 0; i < 100; i++) assert.equal(exchange(policy, i, 10), SPIN_MICROS, `exchange ${i}`);
  });

  it('one late reply (a pause of the peer) does not stop spinning; replies that keep coming late do, and fast ones bring it back', () => {
    const policy = new SpinPolicy(2);
    exchange(policy, 0, 5000);
    assert.equal(exchange(policy, 10, 10), SPIN_MICROS, 'one late reply alone');
    let now = 20;
    let late = 0;
    while (exchange(policy, now, 5000) > 0) {
      now += 10;
      late++;
      assert.ok(late < 20, 'replies that keep coming late stop the spinning');
    }
    assert.ok(late >= 2, `more than one late reply was needed (${late})`);
    assert.equal(exchange(policy, (now += 10), 5), 0, 'off right after');
    let fast = 0;
    while (exchange(policy, (now += 10), 5) === 0) {
      fast++;
      assert.ok(fast < 100, 'fast replies turn it back on');
    }
  });

  it('a receive that gave up counts as a long wait', () => {
    const policy = new SpinPolicy(2);
    for (let i = 0; i < 30; i++) {
      policy.noteSent();
      if (policy.beforeWait(i) === 0) return;
      policy.waitEnded(i + 5); // timed out after 5 ms, nothing delivered
    }
    assert.fail('receives that keep timing out never stopped the spinning');
  });

  it('never spins with one CPU, nor once told never to', () => {
    const one = new SpinPolicy(1);
    for (let i = 0; i < 10; i++) assert.equal(exchange(one, i, 1), 0);
    const pool = new SpinPolicy(4);
    pool.neverSpin();
    for (let i = 0; i < 10; i++) assert.equal(exchange(pool, i, 1), 0);
    assert.equal(pool.timing, false, 'nothing is timed when it never spins');
  });

  it('in a forked child, a wait the parent was timing is forgotten', () => {
    const policy = new SpinPolicy(2);
    policy.noteSent();
    policy.beforeWait(0);
    policy.forgetAfterFork();
    assert.equal(policy.timing, false);
  });
});
