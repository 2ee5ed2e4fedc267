// Pipe/Connection without the addon (src/portable/): values, bytes, limits, timeouts, EOF, and
// ends passed to spawned children before and after the Pipe was used.
import './env.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Connection,
  ConnectionClosedError,
  getContext,
  MessageTooLongError,
  Pipe,
  Queue,
  SerializationError,
  TimeoutError,
} from '../../src/index.ts';
import { echo, relayQueue, sendMany } from '../fixtures/portable-targets.ts';
import { track } from '../helpers.ts';

const Process = getContext('spawn').Process;

describe('portable Pipe in one process', () => {
  it('carries values and bytes in order, and ends are Connections', async () => {
    const [a, b] = Pipe();
    assert.ok(a instanceof Connection && b instanceof Connection);
    const values = [1, 'two', { three: [3] }, new Map([[4, 4]]), 5n, new Uint8Array([6]), null];
    for (const value of values) void a.send(value);
    for (const value of values) assert.deepEqual(await b.recv(), value);
    await b.sendBytes(Buffer.from('hello world'), 6, 5);
    assert.deepEqual(await a.recvBytes(), Buffer.from('world'));
    a.close();
    b.close();
  });

  it('poll, pollSync, recvBytesInto and a message too long for maxLength (left for the next receive)', async () => {
    const [a, b] = Pipe();
    assert.equal(await b.poll(0), false);
    const polled = b.poll(null);
    await a.sendBytes(Buffer.from('abcdef'));
    assert.equal(await polled, true);
    assert.equal(b.pollSync(), true);
    await assert.rejects(
      b.recvBytes(3),
      (error: unknown) => error instanceof MessageTooLongError && error.length === 6 && error.maxLength === 3,
    );
    const into = Buffer.alloc(10);
    assert.equal(await b.recvBytesInto(into, 2), 6);
    assert.equal(into.subarray(2, 8).toString(), 'abcdef');
    a.close();
    b.close();
  });

  it('recv times out (TimeoutError) or aborts (the signal’s reason), and the connection stays usable', async () => {
    const [a, b] = Pipe();
    await assert.rejects(b.recv({ timeoutMs: 20 }), TimeoutError);
    const controller = new AbortController();
    const waiting = b.recv({ signal: controller.signal });
    controller.abort(new Error('stop'));
    await assert.rejects(waiting, /stop/);
    await a.send('still here');
    assert.equal(await b.recv(), 'still here');
    a.close();
    b.close();
  });

  it('close: the peer gets ConnectionClosedError (EOF) after what was sent; this end refuses use', async () => {
    const [a, b] = Pipe();
    void a.send('last');
    a.close();
    assert.equal(await b.recv(), 'last');
    await assert.rejects(b.recv(), (error: unknown) => error instanceof ConnectionClosedError && error.closedBy === 'peer');
    assert.throws(
      () => a.send(1),
      (error: unknown) => error instanceof ConnectionClosedError && error.closedBy === 'self',
    );
    b.close();
  });

  it('a one-way Pipe: [reader, writer]', async () => {
    const [reader, writer] = Pipe(false);
    assert.equal(reader.writable, false);
    assert.equal(writer.readable, false);
    assert.throws(() => reader.send(1), /read-only/);
    await assert.rejects(writer.recv(), /write-only/);
    await writer.send('one way');
    assert.equal(await reader.recv(), 'one way');
    reader.close();
    writer.close();
  });

  it('refuses, at the call, a Connection inside a message (no fd passing) and stays usable', async () => {
    const [a, b] = Pipe();
    const [c, d] = Pipe();
    assert.throws(
      () => a.send({ conn: c }),
      (error: unknown) => error instanceof SerializationError && /value\.conn/.test(error.message) && /native addon/.test(error.message),
    );
    await a.send('fine');
    assert.equal(await b.recv(), 'fine');
    for (const end of [a, b, c, d]) end.close();
  });
});

describe('portable Pipe ends in spawned children', () => {
  it('an end sent before either end was used (the spawn’s socket pair)', async () => {
    const [mine, theirs] = Pipe();
    const child = track(new Process({ target: echo, args: [theirs] }));
    child.start();
    theirs.close();
    await mine.send({ n: 1 });
    assert.deepEqual(await mine.recv(), ['echo', { n: 1 }]);
    mine.close();
    await child.join();
    assert.equal(child.exitCode, 0);
  });

  it('an end sent after the Pipe was used (its socket’s fd), with a message already waiting for it', async () => {
    const [mine, theirs] = Pipe();
    await mine.send('before the child');
    const child = track(new Process({ target: echo, args: [theirs] }));
    child.start();
    theirs.close();
    assert.deepEqual(await mine.recv(), ['echo', 'before the child']);
    mine.close();
    await child.join();
    assert.equal(child.exitCode, 0);
  });

  it('what a child sent before it closed arrives, in order, then EOF', async () => {
    const [mine, theirs] = Pipe();
    const child = track(new Process({ target: sendMany, args: [theirs, 200] }));
    child.start();
    theirs.close();
    const got: unknown[] = [];
    for await (const value of mine) got.push(value);
    assert.deepEqual(
      got,
      Array.from({ length: 200 }, (_, i) => i),
    );
    await child.join();
    mine.close();
  });

  it('a portable Queue travels inside a message (it needs no fd)', async () => {
    const [mine, theirs] = Pipe();
    const queue = new Queue<string>();
    const inner = new Queue<string>();
    const child = track(new Process({ target: relayQueue, args: [theirs, queue] }));
    child.start();
    theirs.close();
    await mine.send(inner);
    assert.equal(await inner.get(), 'via-pipe');
    assert.equal(await queue.get(), 'direct');
    await child.join();
    mine.close();
  });
});
