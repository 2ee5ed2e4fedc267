// Event: CPython's _TestEvent in one process, then across processes under every start method.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Event, getContext } from '../../src/index.ts';
import { setEvent, waitEvent } from '../fixtures/sync/targets.ts';
import { readJson, tempPath, testedMethods, track, joinAll, pendingAfterTurns } from '../helpers.ts';

describe('Event in one process', () => {
  it('sets, clears and waits (CPython _TestEvent.test_event)', async () => {
    const event = new Event();
    assert.equal(event.isSet(), false);
    assert.equal(event.waitSync({ timeoutMs: 0 }), false);
    assert.equal(await event.wait({ timeoutMs: 0 }), false);
    let t0 = performance.now();
    assert.equal(await event.wait({ timeoutMs: 50 }), false);
    assert.ok(performance.now() - t0 >= 45);
    t0 = performance.now();
    assert.equal(event.waitSync({ timeoutMs: 50 }), false);
    assert.ok(performance.now() - t0 >= 45);
    event.set();
    assert.equal(event.isSet(), true);
    assert.equal(await event.wait(), true);
    assert.equal(event.waitSync(), true);
    event.set(); // setting twice is harmless
    event.clear();
    assert.equal(event.isSet(), false);
    assert.equal(String(event), '<Event(unset)>');
  });

  it('wakes every async waiter at once, and keeps the loop running meanwhile', async () => {
    const event = new Event();
    const waiters = Array.from({ length: 5 }, () => event.wait());
    assert.ok(await pendingAfterTurns(Promise.race(waiters), 3), 'a wait() settled before the Event was set');
    event.set();
    assert.deepEqual(await Promise.all(waiters), [true, true, true, true, true]);
  });

  it('a wait aborted by its signal rejects', async () => {
    const event = new Event();
    const controller = new AbortController();
    const waiting = event.wait({ signal: controller.signal });
    controller.abort(new Error('stop'));
    await assert.rejects(waiting, { message: 'stop' });
  });
});

for (const method of testedMethods()) {
  const { Process } = getContext(method);

  describe(`Event across processes (${method})`, () => {
    it('children waiting (async and sync) wake when the parent sets it', async () => {
      const event = new Event();
      const started = [new Event(), new Event()];
      const paths = [tempPath('a'), tempPath('b')];
      const children = [0, 1].map((i) =>
        track(new Process({ target: waitEvent, args: [event, started[i] as Event, paths[i] as string, i === 1] })),
      );
      for (const child of children) child.start();
      for (const s of started) assert.equal(await s.wait({ timeoutMs: 20_000 }), true);
      assert.equal(
        paths.some((p) => existsSync(p)),
        false,
      );
      event.set();
      assert.deepEqual(await joinAll(children), [0, 0]);
      for (const p of paths) assert.deepEqual(readJson(p), { result: true, isSet: true });
    });

    it('the parent waiting in wait() wakes when a child sets it', async () => {
      const event = new Event();
      const child = track(new Process({ target: setEvent, args: [event] }));
      child.start();
      assert.equal(await event.wait({ timeoutMs: 20_000 }), true);
      await child.join();
      assert.equal(child.exitCode, 0);
    });
  });
}
