// A Listener and a Client facing peers that are not what they expect, over raw sockets: random
// bytes and malformed frames (a seeded fuzz), a peer that stalls mid-handshake, a huge length
// prefix, a message before authentication, a server that never challenges. Each ends in a typed
// error for that one peer; the listener keeps serving the others.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { AuthenticationError, Client, FrameError, Listener, MessageTooLongError, TimeoutError } from '../../src/index.ts';
import { MAX_HANDSHAKES } from '../../src/connection/acceptor.ts';
import { loadNative } from '../../src/native/binding.ts';

const skip = loadNative() === null ? 'the native addon is not built' : false;
const KEY = Buffer.from('fuzz key');

function frame(tag: number, payload: Uint8Array, length = payload.length): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(length, 0);
  header[4] = tag;
  return Buffer.concat([header, payload]);
}

/** A raw TCP socket to `listener`, with everything it receives collected and its end awaited. */
async function raw(
  listener: Listener,
): Promise<{ socket: Socket; received: () => Buffer; closed: Promise<void>; next: (bytes: number) => Promise<Buffer> }> {
  const [host, port] = listener.address as [string, number];
  const socket = connect({ host, port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let data = Buffer.alloc(0);
  let wanted: { bytes: number; resolve: (b: Buffer) => void } | null = null;
  socket.on('data', (chunk: Buffer) => {
    data = Buffer.concat([data, chunk]);
    if (wanted !== null && data.length >= wanted.bytes) wanted.resolve(data);
  });
  socket.on('error', () => undefined); // a reset by the server is one of the expected ends
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const next = (bytes: number) =>
    new Promise<Buffer>((resolve) => {
      if (data.length >= bytes) resolve(data);
      else wanted = { bytes, resolve };
    });
  return { socket, received: () => data, closed, next };
}

/** A deterministic PRNG (mulberry32), so a failing case can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One hostile opening of the handshake: random bytes, or a frame that is wrong in one way. */
function hostileBytes(random: () => number): Buffer {
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
  switch (Math.floor(random() * 6)) {
    case 0:
      return bytes(1 + Math.floor(random() * 600)); // noise
    case 1:
      return frame(Math.floor(random() * 256), bytes(Math.floor(random() * 64))); // any tag
    case 2:
      return frame(2, bytes(Math.floor(random() * 256))); // a bytes frame, wrong answer
    case 3:
      return frame(2, bytes(10), 10 + Math.floor(random() * 200)); // truncated: then silence
    case 4:
      return frame(2, Buffer.alloc(0), 0xffffffff - Math.floor(random() * 1000)); // over the frame limit
    default:
      return Buffer.concat([frame(2, Buffer.concat([Buffer.from('{sha256}'), bytes(32)])), bytes(Math.floor(random() * 20))]); // right shape, wrong digest
  }
}

async function goodRoundTrip(listener: Listener, authkey: Buffer | null): Promise<void> {
  const [client, server] = await Promise.all([Client(listener.address, { authkey }), listener.accept()]);
  await client.send({ still: 'serving' });
  assert.deepEqual(await server.recv(), { still: 'serving' });
  client.close();
  server.close();
}

describe('Listener and Client against hostile peers', { skip }, () => {
  it('fuzz: random bytes and malformed frames as the handshake answer each fail that peer only (AuthenticationError), and are dropped', async () => {
    const listener = new Listener({ address: ['127.0.0.1', 0], authkey: KEY, handshakeTimeoutMs: 300 });
    const seed = 14;
    const random = prng(seed);
    for (let batch = 0; batch < 10; batch++) {
      const peers = await Promise.all(Array.from({ length: 8 }, () => raw(listener)));
      const outcomes = Promise.allSettled(peers.map(() => listener.accept()));
      for (const peer of peers) peer.socket.write(hostileBytes(random));
      for (const outcome of await outcomes) {
        assert.equal(outcome.status, 'rejected', `seed ${seed}, batch ${batch}: a hostile peer was accepted`);
        assert.ok(outcome.reason instanceof AuthenticationError, `seed ${seed}, batch ${batch}: ${String(outcome.reason)}`);
      }
      await Promise.all(peers.map((peer) => peer.closed)); // each was dropped by the listener
    }
    await goodRoundTrip(listener, KEY);
    listener.close();
  });

  it('fuzz: a Client facing a server that sends random bytes fails with AuthenticationError (or TimeoutError when it goes silent)', async () => {
    const random = prng(7);
    const servers: Server[] = [];
    for (let i = 0; i < 40; i++) {
      const payload = hostileBytes(random);
      const server = createServer((socket) => {
        socket.on('error', () => undefined);
        socket.end(payload);
      });
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      await assert.rejects(
        Client(['127.0.0.1', port], { authkey: KEY, timeoutMs: 300 }),
        (error: unknown) => error instanceof AuthenticationError || error instanceof TimeoutError,
      );
      server.close();
    }
  });

  it('a peer that stalls mid-handshake is dropped at handshakeTimeoutMs, and does not hold up the next peer', async () => {
    const listener = new Listener({ address: ['127.0.0.1', 0], authkey: KEY, handshakeTimeoutMs: 400 });
    const first = listener.accept();
    const stalled = await raw(listener);
    await stalled.next(1); // it got the challenge, and will never answer
    const good = await Client(listener.address, { authkey: KEY });
    const served = await first; // the good peer, while the stalled one still waits
    await good.send('first');
    assert.equal(await served.recv(), 'first');
    await assert.rejects(
      listener.accept(),
      (error: unknown) => error instanceof AuthenticationError && /within 400 ms/.test(error.message),
    );
    await stalled.closed;
    for (const end of [good, served]) end.close();
    listener.close();
  });

  it('more stalled peers than handshakes run at once (MAX_HANDSHAKES): the rest wait in the backlog, all are dropped in turn, then a good peer is served', async () => {
    const listener = new Listener({ address: ['127.0.0.1', 0], authkey: KEY, handshakeTimeoutMs: 300 });
    const count = MAX_HANDSHAKES + 8;
    const stalled = await Promise.all(Array.from({ length: count }, () => raw(listener)));
    const outcomes = Promise.allSettled(stalled.map(() => listener.accept()));
    for (const outcome of await outcomes)
      assert.ok(
        outcome.status === 'rejected' &&
          outcome.reason instanceof AuthenticationError &&
          /within 300 ms/.test((outcome.reason as Error).message),
      );
    await Promise.all(stalled.map((peer) => peer.closed));
    await goodRoundTrip(listener, KEY);
    listener.close();
  });

  it('a huge length prefix in the handshake is refused unread (no allocation): over the frame limit, or over the 256-byte handshake limit', async () => {
    const listener = new Listener({ address: ['127.0.0.1', 0], authkey: KEY });
    const before = process.memoryUsage().arrayBuffers;
    for (const [length, cause] of [
      [0xffffffff, FrameError],
      [512 * 1024 * 1024, MessageTooLongError],
    ] as const) {
      const peer = await raw(listener);
      const outcome = listener.accept();
      await peer.next(1);
      peer.socket.write(frame(2, Buffer.alloc(0), length));
      await assert.rejects(outcome, (error: unknown) => error instanceof AuthenticationError && error.cause instanceof cause);
      await peer.closed;
    }
    assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024, 'nothing the size of the announced message was allocated');
    await goodRoundTrip(listener, KEY);
    listener.close();
  });

  it('a message sent before authentication is refused: the sender is dropped', async () => {
    const listener = new Listener({ address: ['127.0.0.1', 0], authkey: KEY });
    const outcome = listener.accept();
    const eager = await Client(listener.address, { authkey: null }); // skips the handshake
    await eager.send({ let: 'me in' });
    await assert.rejects(outcome, AuthenticationError);
    // What it gets back: the challenge, the verdict, then the end.
    assert.ok((await eager.recv<Buffer>()).subarray(0, 11).equals(Buffer.from('#CHALLENGE#')));
    assert.equal((await eager.recv<Buffer>()).toString(), '#FAILURE#');
    await assert.rejects(eager.recv(), /closed/);
    eager.close();
    await goodRoundTrip(listener, KEY);
    listener.close();
  });

  it('a Client with an authkey facing a Listener without one: refused when the server speaks first, TimeoutError when it stays silent', async () => {
    const listener = new Listener({ address: ['127.0.0.1', 0], authkey: null });
    const speaking = listener.accept().then(async (connection) => {
      await connection.send('hello, no challenge');
      return connection;
    });
    await assert.rejects(Client(listener.address, { authkey: KEY }), /did not send an authentication challenge first/);
    (await speaking).close();
    const silent = listener.accept();
    await assert.rejects(
      Client(listener.address, { authkey: KEY, timeoutMs: 200 }),
      (error: unknown) => error instanceof TimeoutError && /handshake did not complete within 200 ms/.test(error.message),
    );
    (await silent).close();
    listener.close();
  });

  it('the wire protocol by hand: a raw peer that answers as the spec says is accepted; an oversized frame after that is a FrameError', async () => {
    const listener = new Listener({ address: ['127.0.0.1', 0], authkey: KEY });
    const accepted = listener.accept();
    const peer = await raw(listener);
    const challenge = (await peer.next(5 + 11 + 8 + 40)).subarray(5);
    assert.equal(challenge.subarray(0, 19).toString(), '#CHALLENGE#{sha256}');
    const message = challenge.subarray(11);
    peer.socket.write(frame(2, Buffer.concat([Buffer.from('{sha256}'), createHmac('sha256', KEY).update(message).digest()])));
    const CHALLENGE_FRAME = 5 + 11 + 8 + 40;
    const WELCOME_FRAME = 5 + 9;
    const welcome = await peer.next(CHALLENGE_FRAME + WELCOME_FRAME);
    assert.equal(welcome.subarray(CHALLENGE_FRAME + 5).toString(), '#WELCOME#');
    // Now the peer's turn to challenge the server: it answers with the HMAC of our message.
    const ours = Buffer.concat([Buffer.from('{sha256}'), Buffer.alloc(40, 1)]);
    peer.socket.write(frame(2, Buffer.concat([Buffer.from('#CHALLENGE#'), ours])));
    const answer = (await peer.next(CHALLENGE_FRAME + WELCOME_FRAME + 5 + 8 + 32)).subarray(CHALLENGE_FRAME + WELCOME_FRAME + 5);
    assert.ok(answer.equals(Buffer.concat([Buffer.from('{sha256}'), createHmac('sha256', KEY).update(ours).digest()])));
    peer.socket.write(frame(2, Buffer.from('#WELCOME#')));
    const connection = await accepted;
    peer.socket.write(frame(1, Buffer.alloc(0), 0xfffffff0));
    await assert.rejects(connection.recv(), FrameError);
    connection.close();
    await peer.closed;
    listener.close();
  });
});
