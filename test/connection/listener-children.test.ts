// Listener and Client across processes, under every start method: a child's Client reaching a
// Listener in the parent and the other way round, the authkey children inherit (and one set on
// the Process before start()), a wrong authkey on either side, and a forked child's copy of a Listener.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, it } from 'node:test';
import { AuthenticationError, Client, currentProcess, getContext, Listener, Pipe, type Address } from '../../src/index.ts';
import { loadNative } from '../../src/native/binding.ts';
import {
  clientEcho,
  clientReport,
  closeInherited,
  listenEcho,
  listenThenWait,
  reportAuthkey,
  serveHandedOver,
} from '../fixtures/connection/listener-targets.ts';
import { runScript, testedMethods, track } from '../helpers.ts';
import { Leaker } from '../fixtures/scenarios.ts';

const skip = loadNative() === null ? 'the native addon is not built' : false;

/** Resolves once `path` is gone; rejects after `timeoutMs`. */
async function gone(path: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} still exists after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

for (const method of testedMethods()) {
  const { Process } = getContext(method);

  describe(`Listener and Client across processes (${method})`, { skip }, () => {
    for (const family of ['AF_UNIX', 'AF_INET'] as const) {
      it(`a child's Client reaches a Listener in the parent (${family}; on TCP with the inherited authkey)`, async () => {
        const listener = new Listener({ family });
        const p = track(new Process({ target: clientEcho, args: [listener.address] }));
        p.start();
        const connection = await listener.accept();
        for (const value of [1, 'two', new Map([[3, [3n]]])]) {
          await connection.send(value);
          assert.deepEqual(await connection.recv(), value);
        }
        connection.close();
        await p.join();
        assert.equal(p.exitCode, 0);
        listener.close();
      });

      it(`the parent's Client reaches a Listener in a child (${family})`, async () => {
        const [report, reportTx] = Pipe();
        const p = track(new Process({ target: listenEcho, args: [family, reportTx] }));
        p.start();
        reportTx.close();
        const address = await report.recv<Address>();
        const connection = await Client(address);
        await connection.send({ from: 'parent' });
        assert.deepEqual(await connection.recv(), { from: 'parent' });
        connection.close();
        await p.join();
        assert.equal(p.exitCode, 0);
        if (typeof address === 'string') assert.equal(existsSync(address), false, 'the child removed its socket file');
        report.close();
      });
    }

    it('a connection the parent accepted can be handed to a child, which serves the client (a worker per connection)', async () => {
      const listener = new Listener({ address: ['127.0.0.1', 0] });
      const [client, accepted] = await Promise.all([Client(listener.address), listener.accept()]);
      const p = track(new Process({ target: serveHandedOver, args: [accepted] }));
      p.start();
      accepted.close(); // the child holds its own copy now
      for (const value of ['from the client', { n: 2 }]) {
        await client.send(value);
        assert.deepEqual(await client.recv(), value);
      }
      client.close();
      await p.join();
      assert.equal(p.exitCode, 0);
      listener.close();
    });

    it('the resource tracker removes the socket file and private directory of a Listener whose process was killed', async () => {
      const [report, reportTx] = Pipe();
      const p = track(new Process({ target: listenThenWait, args: [reportTx] }));
      p.start();
      reportTx.close();
      const address = await report.recv<string>();
      assert.ok(existsSync(address));
      p.kill();
      await p.join();
      await gone(address);
      await gone(dirname(address));
      report.close();
    });

    it("a child's authkey is its parent's, or the one set on its Process before start()", async () => {
      const [report, reportTx] = Pipe();
      const inherited = track(new Process({ target: reportAuthkey, args: [reportTx] }));
      assert.ok(inherited.authkey.equals(currentProcess().authkey));
      inherited.start();
      assert.equal(await report.recv(), currentProcess().authkey.toString('hex'));
      await inherited.join();
      const custom = track(new Process({ target: reportAuthkey, args: [reportTx] }));
      custom.authkey = Buffer.from('the child key');
      custom.start();
      reportTx.close();
      assert.equal(await report.recv(), Buffer.from('the child key').toString('hex'));
      await custom.join();
      assert.throws(() => (custom.authkey = 'late'), /already started/);
      report.close();
    });

    it('a wrong authkey fails on both sides with AuthenticationError; the listener keeps serving', async () => {
      const listener = new Listener({ address: ['127.0.0.1', 0], authkey: 'right' });
      const [report, reportTx] = Pipe();
      const wrong = track(new Process({ target: clientReport, args: [listener.address, 'wrong', reportTx] }));
      wrong.start();
      await assert.rejects(listener.accept(), AuthenticationError);
      assert.equal(await report.recv(), 'AuthenticationError');
      await wrong.join();
      const good = track(new Process({ target: clientEcho, args: [listener.address, 'right'] }));
      good.start();
      const connection = await listener.accept();
      await connection.send('still serving');
      assert.equal(await connection.recv(), 'still serving');
      connection.close();
      await good.join();
      // A Listener in the child with a key the parent's Client does not have: the Client's side.
      const [addressRx, addressTx] = Pipe();
      const keyed = track(new Process({ target: listenEcho, args: ['AF_INET', addressTx, 'child only'] }));
      keyed.start();
      addressTx.close();
      const address = await addressRx.recv<Address>();
      await assert.rejects(Client(address, { authkey: 'guess' }), AuthenticationError);
      const retry = await Client(address, { authkey: 'child only' });
      await retry.send('ok');
      assert.equal(await retry.recv(), 'ok');
      retry.close();
      await keyed.join();
      for (const end of [report, reportTx, addressRx]) end.close();
      listener.close();
    });
  });
}

describe('a Listener never closed', { skip }, () => {
  const leaker = new URL('../fixtures/connection/listener-leaker.ts', import.meta.url).pathname;

  it('its socket file and directory are removed when the process exits normally, silently (as Python)', async () => {
    const { code, stdout, stderr } = await runScript(leaker, [Leaker.exit]);
    assert.equal(code, 0, stderr);
    const { address } = JSON.parse(stdout.trim().split('\n')[0] as string) as { address: string };
    assert.equal(existsSync(address), false);
    assert.equal(existsSync(dirname(address)), false);
    assert.doesNotMatch(stderr, /removed the unix socket/, 'removed at exit, not left for the tracker');
  });

  it('a Listener collected without close() has its fd closed and its files removed', async () => {
    const { code, stdout, stderr } = await runScript(leaker, [Leaker.gc]);
    assert.equal(code, 0, stderr);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { address?: string; stillThere?: boolean });
    assert.equal(lines[1]?.stillThere, false);
    assert.equal(existsSync(dirname(lines[0]?.address as string)), false);
  });
});

describe(
  'a forked child and the Listener it inherited',
  { skip: skip || (testedMethods().includes('fork') ? false : 'fork is not tested here') },
  () => {
    it("closing the child's copy leaves the parent's socket file and listening socket alone", async () => {
      const { Process } = getContext('fork');
      const listener = new Listener();
      const [report, reportTx] = Pipe();
      const p = track(new Process({ target: closeInherited, args: [listener, reportTx] }));
      p.start();
      assert.equal(await report.recv(), 'closed');
      await p.join();
      assert.equal(p.exitCode, 0);
      assert.ok(existsSync(listener.address as string));
      const [client, server] = await Promise.all([Client(listener.address), listener.accept()]);
      await client.send('after the fork');
      assert.equal(await server.recv(), 'after the fork');
      for (const end of [client, server, report, reportTx]) end.close();
      listener.close();
    });
  },
);
