// Pipe and Connection within one process: one-way pipes, `using`, and frame limits.
import assert from 'node:assert/strict';
import { writeSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Connection, ConnectionClosedError, FrameError, Pipe, ProcessStateError } from '../../src/index.ts';
import { openConnection } from '../../src/connection/connection.ts';
import { native, skip } from './pipe-helpers.ts';

describe('Pipe (in one process): shapes', { skip }, () => {
  it('Pipe(false) is one-way: [reader, writer]', async () => {
    const [reader, writer] = Pipe(false);
    assert.equal(reader.readable, true);
    assert.equal(reader.writable, false);
    assert.equal(writer.readable, false);
    assert.equal(writer.writable, true);
    await writer.send({ one: 'way' });
    const big = writer.sendBytes(Buffer.alloc(1 << 20, 1)); // more than a pipe holds: written as it is read
    assert.deepEqual(await reader.recv(), { one: 'way' });
    assert.equal((await reader.recvBytes()).length, 1 << 20);
    await big;
    assert.throws(() => reader.send(1), ProcessStateError);
    await assert.rejects(writer.recv(), ProcessStateError);
    writer.close();
    await assert.rejects(reader.recv(), ConnectionClosedError);
    reader.close();
    assert.throws(() => Pipe('no' as never), { name: 'TypeError', message: 'Expected `duplex` to be a boolean, got `"no"` (string).' });
  });

  it('closes with `using`', () => {
    let outer: Connection;
    {
      using a = Pipe()[0];
      outer = a;
      assert.equal(a.closed, false);
    }
    assert.equal(outer.closed, true);
  });
});

describe('frame limits', { skip }, () => {
  it('the sender refuses a message over the limit before writing anything', async () => {
    const [x, y] = (native as NonNullable<typeof native>).socketpair();
    const a = openConnection(x, { readable: true, writable: true, native: native as NonNullable<typeof native>, maxFrame: 1024 });
    const b = openConnection(y, { readable: true, writable: true, native: native as NonNullable<typeof native> });
    assert.throws(() => a.sendBytes(Buffer.alloc(1025)), FrameError);
    assert.throws(() => a.send('x'.repeat(2000)), FrameError);
    assert.throws(() => a.send({ big: Buffer.alloc(2000) }), FrameError);
    assert.equal(await b.poll(), false, 'nothing was written');
    await a.sendBytes(Buffer.alloc(1024));
    assert.equal((await b.recvBytes()).length, 1024);
    a.close();
    b.close();
  });

  it('the receiver refuses a frame announcing more than the limit, without allocating it, and closes', async () => {
    const [x, y] = (native as NonNullable<typeof native>).socketpair();
    const b = openConnection(y, { readable: true, writable: true, native: native as NonNullable<typeof native>, maxFrame: 1024 });
    writeSync(x, Buffer.from([0xff, 0xff, 0xff, 0xf0, 2]));
    await assert.rejects(b.recvBytes(), { name: 'FrameError', message: /announces 4294967280 bytes, over the limit of 1024/ });
    await assert.rejects(b.recv(), FrameError); // the stream cannot be trusted any more
    (native as NonNullable<typeof native>).close(x);
    b.close();
  });

  it('the receiver refuses an unknown tag; a corrupt value fails only that receive', async () => {
    const [x, y] = (native as NonNullable<typeof native>).socketpair();
    const b = openConnection(y, { readable: true, writable: true, native: native as NonNullable<typeof native> });
    writeSync(x, Buffer.from([0, 0, 0, 2, 1, 0xff, 0x0f])); // a v8 header with garbage after it
    await assert.rejects(b.recv(), FrameError);
    writeSync(x, Buffer.from([0, 0, 0, 1, 2, 42]));
    assert.deepEqual([...(await b.recvBytes())], [42]);
    writeSync(x, Buffer.from([0, 0, 0, 0, 99]));
    await assert.rejects(b.recv(), { name: 'FrameError', message: /unknown tag 99/ });
    (native as NonNullable<typeof native>).close(x);
    b.close();
  });
});
