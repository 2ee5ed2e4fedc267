// Connections by address (Listener/Client) spin a receive that awaits a reply, by the same learned
// policy as a Pipe's (src/connection/spin-policy.ts; the socket is polled, no lane): watched
// through the addon's spinReadable in the parent while a child echoes, under every start method,
// unix and TCP. What arrives is the same either way; the rates are bench/'s (listener-rtt-*).
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { getContext, Listener } from '../../src/index.ts';
import { loadNative, type NativeBinding } from '../../src/native/binding.ts';
import { clientEcho } from '../fixtures/connection/listener-targets.ts';
import { recordSpins } from '../fixtures/spin-recorder.ts';
import { testedMethods, track } from '../helpers.ts';

const native = loadNative();
const skip = native === null ? 'the native addon is not built' : availableParallelism() < 2 ? 'one CPU: receives never spin' : false;

for (const method of testedMethods()) {
  const { Process } = getContext(method);

  describe(`Listener/Client: a receive awaiting a reply spins (${method})`, { skip }, () => {
    for (const family of ['AF_UNIX', 'AF_INET'] as const) {
      it(`round trips with a child's Client (${family}): the parent's receives spin on the socket, values intact`, async () => {
        const listener = new Listener({ family });
        const p = track(new Process({ target: clientEcho, args: [listener.address] }));
        p.start();
        const connection = await listener.accept();
        using recorder = recordSpins(native as NativeBinding);
        for (let i = 0; i < 40; i++) {
          const value = { i, text: 'x'.repeat(i), list: [i, [i]] };
          await connection.send(value);
          assert.deepEqual(await connection.recv(), value);
        }
        const mine = recorder.spins.filter((spin) => spin.fds[0] === connection.fileno());
        assert.ok(mine.length > 0, `the receives awaiting a reply spun: ${recorder.spins.length} spins in all`);
        assert.ok(
          mine.every((spin) => spin.micros > 0),
          JSON.stringify(mine),
        );
        connection.close();
        await p.join();
        assert.equal(p.exitCode, 0);
        listener.close();
      });
    }
  });
}
