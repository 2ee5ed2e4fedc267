// Giving up on a manager while it starts or connects: start({ signal }) ends the manager's
// process and rejects with the signal's reason (under every start method); connect({ signal })
// gives up on a peer that never answers the handshake and leaves nothing open.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { BaseManager, Manager, ManagerClosedError, ProcessStateError } from '../../src/index.ts';
import { announceAndStall } from '../fixtures/managers/targets.ts';
import { isRunning, tempPath, testedMethods, waitForFile } from '../helpers.ts';

for (const method of testedMethods()) {
  describe(`Manager start({ signal }) (${method})`, () => {
    it("an abort while the manager starts ends its process and rejects with the signal's reason", async () => {
      const m = new Manager({ context: method });
      const controller = new AbortController();
      const path = tempPath('starting');
      const starting = m.start({ initializer: announceAndStall, initargs: [path], signal: controller.signal });
      await waitForFile(path); // the manager's process runs its initializer: it is starting
      const pid = m.process?.pid;
      assert.equal(typeof pid, 'number');
      const reason = new Error('changed my mind');
      controller.abort(reason);
      await assert.rejects(starting, (error) => error === reason);
      assert.notEqual(m.process?.exitCode, null, 'the process ended before start() rejected');
      assert.equal(isRunning(pid as number), false);
      await assert.rejects(m.dict(), ManagerClosedError);
      await assert.rejects(m.start(), ProcessStateError);
      await m.shutdown(); // nothing left to do
    });

    it('abort() without a reason rejects with an AbortError DOMException', async () => {
      const m = new Manager({ context: method });
      const path = tempPath('starting');
      const controller = new AbortController();
      const starting = m.start({ initializer: announceAndStall, initargs: [path], signal: controller.signal });
      await waitForFile(path);
      controller.abort();
      await assert.rejects(starting, (error) => error instanceof DOMException && error.name === 'AbortError');
      assert.notEqual(m.process?.exitCode, null);
    });

    it('a signal that never aborts changes nothing; an aborted one starts nothing', async () => {
      await using m = await Manager.start({ context: method, signal: new AbortController().signal });
      const d = await m.dict<string, number>({ a: 1 });
      assert.equal(await d.get('a'), 1);
      const never = new Manager({ context: method });
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(never.start({ signal: controller.signal }), { name: 'AbortError' });
      assert.equal(never.process, null, 'no process was started');
      await assert.rejects(never.start({ signal: 'soon' as never }), /Expected `signal` to be an AbortSignal, got `"soon"` \(string\)/);
    });
  });
}

describe('BaseManager connect({ signal })', () => {
  it('gives up on a peer that never answers the handshake; the socket is closed', async () => {
    const address = tempPath('stall.sock');
    const accepted: Socket[] = [];
    const server = createServer((socket) => accepted.push(socket));
    server.listen(address);
    await once(server, 'listening');
    try {
      const m = new BaseManager({ address, authkey: 'key' });
      const controller = new AbortController();
      const connecting = m.connect({ signal: controller.signal });
      while (accepted.length === 0) await once(server, 'connection');
      const closed = once(accepted[0] as Socket, 'close');
      controller.abort();
      await assert.rejects(connecting, { name: 'AbortError' });
      await closed; // this process let go of the connection
      await assert.rejects(m.create('dict'), ProcessStateError, 'not connected');
    } finally {
      for (const socket of accepted) socket.destroy();
      server.close();
    }
  });

  it('an aborted signal, or one that is not an AbortSignal, is refused before connecting', async () => {
    const m = new BaseManager({ address: tempPath('none.sock') });
    await assert.rejects(m.connect({ signal: AbortSignal.abort() }), { name: 'AbortError' });
    await assert.rejects(m.connect({ signal: 1 as never }), /Expected `signal` to be an AbortSignal, got `1` \(number\)/);
  });
});
