// The fork server's spare policy (src/bootstrap/spare-policy.ts): learned from the starts it sees,
// in whatever time unit they come (no figure of this machine in it).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SparePolicy } from '../../src/bootstrap/spare-policy.ts';

// A start→join loop whose starts come every `gap` (its children living `gap` each), from time `t0`.
function loop(policy: SparePolicy, t0: number, gap: number, starts: number): number {
  let now = t0;
  for (let i = 0; i < starts; i++) {
    policy.started(now);
    now += gap;
  }
  return now - gap;
}

describe('SparePolicy', () => {
  it('keeps a spare after the first child of a start→join loop, from that child lifetime', () => {
    const policy = new SparePolicy();
    policy.started(1000);
    assert.equal(policy.wantsSpare(1010, 10), true);
    assert.ok(policy.keepFor(10) > 10, 'kept at least until the next start of the loop');
  });

  it('scales with the pace of the starts, whatever it is', () => {
    for (const gap of [0.5, 12, 4000]) {
      const policy = new SparePolicy();
      const last = loop(policy, 0, gap, 8);
      assert.equal(policy.wantsSpare(last + gap * 0.9, gap * 0.9), true, `gap ${gap}: a child ending before the next start`);
      assert.equal(policy.wantsSpare(last + gap * 10, gap * 10), false, `gap ${gap}: a child ending ten intervals later`);
      const keep = policy.keepFor(gap * 0.9);
      assert.ok(keep > gap && keep < gap * 10, `gap ${gap}: kept ${keep}`);
    }
  });

  it('follows a change of pace within the last eight starts', () => {
    const policy = new SparePolicy();
    let last = loop(policy, 0, 10, 10);
    assert.equal(policy.wantsSpare(last + 500, 500), false);
    last = loop(policy, last + 1000, 1000, 3);
    assert.equal(policy.wantsSpare(last + 900, 900), true, 'a slower pace: at once');
    last = loop(policy, last + 10, 10, 10);
    assert.equal(policy.wantsSpare(last + 500, 500), false, 'a faster pace: once the slow intervals are eight starts old');
  });

  it('waits for the next burst of a Pool started again and again', () => {
    const policy = new SparePolicy();
    let now = 0;
    for (let round = 0; round < 3; round++) {
      loop(policy, now, 0.01, 4); // the Pool's four workers
      now += 200; // its work, then close(), then the next Pool
    }
    assert.equal(policy.wantsSpare(now - 10, 190), true, 'its workers ending call for spares');
    assert.ok(policy.keepFor(190) > 200, 'kept until the next burst');
  });

  it('keeps no spare for children started in one burst that end long after it', () => {
    const policy = new SparePolicy();
    loop(policy, 0, 0.01, 4); // a Pool's workers
    assert.equal(policy.wantsSpare(100, 100), false);
  });
});
