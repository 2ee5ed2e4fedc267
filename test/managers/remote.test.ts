// A manager served by getServer().serveForever() in one process and used from another over TCP
// on 127.0.0.1 with an authkey (connect()); bad peers: a wrong authkey, garbage bytes before and
// after the handshake, requests that are not requests. Each is a typed error, nothing hangs, and
// the server keeps serving the others.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { describe, it } from 'node:test';
import { AuthenticationError, BaseManager, Client, getContext, Manager, ManagerClosedError, Pipe, type Remote } from '../../src/index.ts';
import { Counter, serveCounters } from '../fixtures/managers/targets.ts';
import { testedMethods } from '../helpers.ts';

class RemoteCounters extends BaseManager {}
RemoteCounters.register('Counter');

for (const method of testedMethods()) {
  describe(`BaseManager over TCP (${method})`, () => {
    it('connect() to a server another process runs with serveForever()', async () => {
      const [mine, theirs] = Pipe();
      const server = new (getContext(method).Process)({ target: serveCounters, args: [['127.0.0.1', 0], 'sesame', theirs] });
      server.start();
      theirs.close();
      try {
        const address = await mine.recv<[string, number]>();
        assert.equal(address[0], '127.0.0.1');
        assert.ok(address[1] > 0);
        const m = new RemoteCounters({ address, authkey: 'sesame' });
        await m.connect();
        const counter = await m.create<Remote<Counter>>('Counter', 1);
        assert.equal(await counter.increment(2), 3);
        assert.equal(await counter.pid(), server.pid);

        await assert.rejects(new RemoteCounters({ address, authkey: 'wrong' }).connect(), AuthenticationError);
        // Garbage before the handshake: the listener drops that peer.
        await new Promise<void>((resolve) => {
          const socket = netConnect(address[1], address[0], () => socket.end(Buffer.from('\xff\xff\xff\xffgarbage')));
          socket.on('close', () => resolve());
          socket.on('error', () => resolve());
          socket.resume();
        });
        // Authenticated, but sending what is not a request: the server drops that connection.
        const raw = await Client(address, { authkey: 'sesame' });
        await raw.sendBytes(Buffer.from('not a request'));
        await assert.rejects(raw.recv({ timeoutMs: 20_000 }), /closed|EOF/);
        raw.close();
        const odd = await Client(address, { authkey: 'sesame' });
        await odd.send([1, '', 'noSuchMethod', []]);
        const [id, status, error] = await odd.recv<[number, number, { name: string; message: string }]>();
        assert.deepEqual([id, status, error.name], [1, 1, 'ManagerProtocolError']);
        odd.close();
        // … and the first client is still served.
        assert.equal(await counter.increment(), 4);
        await m.shutdown();
        await assert.rejects(counter.increment(), ManagerClosedError);
      } finally {
        server.terminate();
        await server.join();
        mine.close();
      }
    });
  });
}

describe('a manager address that does not answer', () => {
  it('connect() rejects with ManagerClosedError naming the address', async () => {
    const m = await Manager.start();
    const address = m.address as string;
    await m.shutdown();
    await assert.rejects(
      new Manager({ address }).connect(),
      (error: ManagerClosedError) => error instanceof ManagerClosedError && error.message.includes(address),
    );
  });
});

describe('a manager facing a peer that stalls mid-handshake', () => {
  it('serves the other clients meanwhile', async () => {
    await using m = await Manager.start();
    const address = m.address as string;
    const stalled = netConnect(address); // connects, then never answers the challenge
    stalled.on('error', () => undefined);
    let dropped = false;
    stalled.on('close', () => (dropped = true));
    await once(stalled, 'data'); // the manager's challenge: its handshake with this peer is under way
    try {
      const other = new Manager({ address });
      await other.connect();
      assert.equal(dropped, false, 'served while the stalled handshake is still pending, not after it was dropped');
      const d = await other.dict<string, number>({ a: 1 });
      assert.equal(await d.get('a'), 1);
      await other.shutdown();
      assert.equal(await (await m.dict<string, number>({ b: 2 })).get('b'), 2);
    } finally {
      stalled.destroy();
    }
  });
});
