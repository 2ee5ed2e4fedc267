// Listener and Client in one process: round trips over a unix socket and TCP loopback, the
// address rules (port 0, an arbitrary socket path), accept() options, async iteration, close.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  Client,
  Connection,
  ConnectionClosedError,
  Listener,
  Pipe,
  ProcessStateError,
  TimeoutError,
  wait,
  waitReady,
  type Address,
} from '../../src/index.ts';
import { loadNative } from '../../src/native/binding.ts';
import { tempPath } from '../helpers.ts';

const skip = loadNative() === null ? 'the native addon is not built' : false;

async function connectPair(listener: Listener, options: Parameters<typeof Client>[1] = {}): Promise<[Connection, Connection]> {
  const [client, server] = await Promise.all([Client(listener.address, options), listener.accept()]);
  return [client, server];
}

async function roundTrips(a: Connection, b: Connection): Promise<void> {
  const values = [1, 'two', { three: [3n] }, new Map([[4, new Set([4])]]), null, new Float64Array([0.5, 1.5])];
  for (const value of values) {
    await a.send(value);
    assert.deepEqual(await b.recv(), value);
    await b.send(value);
    assert.deepEqual(await a.recv(), value);
  }
  const big = Buffer.alloc(3 * 1024 * 1024, 7); // larger than any socket buffer: written as the other end reads
  const sent = a.sendBytes(big);
  assert.ok((await b.recvBytes()).equals(big));
  await sent;
}

describe('Listener and Client', { skip }, () => {
  it('round-trip values and bytes over a unix socket at an arbitrary address (0600 socket in a 0700 directory)', async () => {
    const listener = new Listener();
    const address = listener.address as string;
    assert.equal(typeof address, 'string');
    assert.equal(listener.family, 'AF_UNIX');
    assert.equal(statSync(address).mode & 0o777, 0o600);
    assert.ok(statSync(address).isSocket());
    assert.equal(statSync(path.dirname(address)).mode & 0o777, 0o700);
    const [client, server] = await connectPair(listener);
    assert.ok(client instanceof Connection && server instanceof Connection);
    await roundTrips(client, server);
    assert.equal(listener.lastAccepted, null);
    client.close();
    await assert.rejects(server.recv(), (error: unknown) => error instanceof ConnectionClosedError && error.closedBy === 'peer');
    server.close();
    listener.close();
    assert.equal(existsSync(address), false, 'the socket file is removed on close');
    assert.equal(existsSync(path.dirname(address)), false, 'and the private directory made for it');
  });

  it('binds a unix socket at a given path (0600) and removes it on close', async () => {
    const file = tempPath('sock');
    const listener = new Listener({ address: file });
    assert.equal(listener.address, file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const [client, server] = await connectPair(listener);
    await roundTrips(server, client);
    client.close();
    server.close();
    listener.close();
    assert.equal(existsSync(file), false);
  });

  it('round-trips over TCP loopback; port 0 gives a free port; authenticated with the process authkey by default', async () => {
    const listener = new Listener({ address: ['127.0.0.1', 0] });
    const [host, port] = listener.address as [string, number];
    assert.equal(host, '127.0.0.1');
    assert.ok(port > 0);
    assert.equal(listener.family, 'AF_INET');
    const [client, server] = await connectPair(listener);
    await roundTrips(client, server);
    const peer = listener.lastAccepted as [string, number];
    assert.equal(peer[0], '127.0.0.1');
    assert.ok(peer[1] > 0 && peer[1] !== port);
    client.close();
    server.close();
    listener.close();
  });

  it("takes 'localhost' and the AF_INET family without an address (Python's arbitrary_address)", async () => {
    const byName = new Listener({ address: ['localhost', 0] });
    assert.equal((byName.address as [string, number])[0], '127.0.0.1');
    const [c1, s1] = await connectPair(byName);
    await c1.send('by name');
    assert.equal(await s1.recv(), 'by name');
    const arbitrary = new Listener({ family: 'AF_INET' });
    assert.equal((arbitrary.address as [string, number])[0], '127.0.0.1');
    const [c2, s2] = await connectPair(arbitrary);
    await s2.send('arbitrary');
    assert.equal(await c2.recv(), 'arbitrary');
    for (const end of [c1, s1, c2, s2]) end.close();
    byName.close();
    arbitrary.close();
  });

  it("Linux's abstract namespace (a leading NUL: no file) and IPv6 loopback (when the machine has it)", async () => {
    const name = `\0multiproc-test-${process.pid}-${Date.now()}`;
    const abstract = new Listener({ address: name });
    assert.equal(abstract.address, name);
    const [c1, s1] = await connectPair(abstract);
    await c1.send('abstract');
    assert.equal(await s1.recv(), 'abstract');
    for (const end of [c1, s1]) end.close();
    abstract.close();
    let v6: Listener;
    try {
      v6 = new Listener({ address: ['::1', 0] });
    } catch (error) {
      assert.equal((error as NodeJS.ErrnoException).code, 'EADDRNOTAVAIL'); // no IPv6 loopback here
      return;
    }
    assert.equal(v6.family, 'AF_INET6');
    const [c2, s2] = await connectPair(v6);
    await c2.send('v6');
    assert.equal(await s2.recv(), 'v6');
    assert.equal((v6.lastAccepted as [string, number])[0], '::1');
    for (const end of [c2, s2]) end.close();
    v6.close();
  });

  it('an explicit authkey on both sides (bytes or a string) authenticates; null turns authentication off on TCP', async () => {
    const keyed = new Listener({ address: ['127.0.0.1', 0], authkey: Buffer.from('secret') });
    const [c1, s1] = await connectPair(keyed, { authkey: 'secret' });
    await c1.send(1);
    assert.equal(await s1.recv(), 1);
    const open = new Listener({ address: ['127.0.0.1', 0], authkey: null });
    const [c2, s2] = await connectPair(open, { authkey: null });
    await c2.send(2);
    assert.equal(await s2.recv(), 2);
    for (const end of [c1, s1, c2, s2]) end.close();
    keyed.close();
    open.close();
  });

  it('async iteration yields connections until close()', async () => {
    const listener = new Listener();
    const served: unknown[] = [];
    const serving = (async () => {
      for await (const connection of listener) {
        served.push(await connection.recv());
        connection.close();
        if (served.length === 3) listener.close();
      }
    })();
    for (let i = 0; i < 3; i++) {
      const client = await Client(listener.address);
      await client.send(i);
      await assert.rejects(client.recv(), ConnectionClosedError); // the server closed it after reading
      client.close();
    }
    await serving;
    assert.deepEqual(served, [0, 1, 2]);
  });

  it('accept() gives up after timeoutMs or on abort, and rejects once the Listener is closed', async () => {
    const listener = new Listener();
    await assert.rejects(listener.accept({ timeoutMs: 20 }), TimeoutError);
    const controller = new AbortController();
    const aborted = listener.accept({ signal: controller.signal });
    controller.abort(new Error('stop'));
    await assert.rejects(aborted, /stop/);
    // The listener still works after both.
    const [client, server] = await connectPair(listener);
    client.close();
    server.close();
    const pending = listener.accept();
    listener.close();
    await assert.rejects(pending, ProcessStateError);
    await assert.rejects(listener.accept(), /this Listener was closed/);
    listener.close(); // idempotent
  });

  it('wait() over Listeners, Connections and Processes: [] at the timeout, then each as it becomes ready; waitReady is the same function', async () => {
    const { getContext } = await import('../../src/index.ts');
    const { clientEcho } = await import('../fixtures/connection/listener-targets.ts');
    assert.equal(waitReady, wait);
    const unix = new Listener();
    const tcp = new Listener({ family: 'AF_INET' });
    const [a, b] = Pipe();
    assert.deepEqual(await wait([unix, tcp, a], 30), []);
    // A connection waiting in the kernel makes a Listener ready (accept() would not wait for a peer).
    const client = await Client(unix.address);
    assert.deepEqual(await wait([unix, tcp, a], 5000), [unix]);
    const server = await unix.accept();
    assert.deepEqual(await wait([unix, tcp, a, server], 30), []);
    await client.send('data');
    assert.deepEqual(await wait([unix, tcp, a, server]), [server]);
    await server.recv();
    // A Process ends: ready; a TCP Listener with a peer authenticating counts once it is pending.
    const p = new (getContext('spawn').Process)({ target: clientEcho, args: [tcp.address] });
    p.start();
    assert.deepEqual(await wait([unix, tcp, a, server], 20_000), [tcp]);
    const echoing = await tcp.accept();
    echoing.close(); // the child's echo loop ends: the process ends
    assert.deepEqual(await wait([unix, a, server, p], 20_000), [p]);
    await p.join();
    await b.send('last');
    assert.deepEqual(await wait([unix, tcp, a, p]), [a, p]);
    // A closed Listener is ready (accept() rejects at once), as a Connection at EOF is.
    unix.close();
    assert.deepEqual(await wait([unix], 0), [unix]);
    for (const end of [a, b, client, server]) end.close();
    tcp.close();
    await assert.rejects(wait([{}] as never), /Expected `objects\[…\]` to be a Connection, a Listener or a Process/);
  });

  it('await using closes the listener', async () => {
    let address: Address;
    {
      await using listener = new Listener();
      address = listener.address;
      assert.ok(existsSync(address as string));
    }
    assert.equal(existsSync(address as string), false);
  });

  it('refuses bad options with the house message', () => {
    assert.throws(
      () => new Listener({ address: 42 as never }),
      /Expected `address` to be a unix socket path or a \[host, port\] pair, got `42` \(number\)/,
    );
    assert.throws(() => new Listener({ address: ['127.0.0.1', 70000] }), /Expected `address\[1\]` to be a port number from 0 to 65535/);
    assert.throws(() => new Listener({ address: ['example.org', 0] }), /Resolve the name first/);
    assert.throws(() => new Listener({ address: '/tmp/x', family: 'AF_INET' }), /for family 'AF_INET'/);
    assert.throws(() => new Listener({ family: 'AF_PIPE' as never }), /Expected `family` to be one of 'AF_UNIX', 'AF_INET', 'AF_INET6'/);
    assert.throws(() => new Listener({ backlog: -1 }), /Expected `backlog` to be a non-negative integer/);
    assert.throws(() => new Listener({ authkey: 5 as never }), /Expected `authkey` to be a Buffer, Uint8Array or string/);
    assert.throws(() => new Listener({ address: `/tmp/${'x'.repeat(120)}` }), /at most 107 bytes/);
  });

  it('a second Listener on a bound address fails with EADDRINUSE; a Client to nowhere with ECONNREFUSED/ENOENT', async () => {
    const listener = new Listener({ address: ['127.0.0.1', 0] });
    assert.throws(() => new Listener({ address: listener.address }), { code: 'EADDRINUSE' });
    const port = (listener.address as [string, number])[1];
    listener.close();
    await assert.rejects(Client(['127.0.0.1', port]), { code: 'ECONNREFUSED' });
    await assert.rejects(Client(tempPath('nothing-here')), { code: 'ENOENT' });
  });
});
