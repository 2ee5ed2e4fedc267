// Pipe within one process: bytes (sendBytes, recvBytes with a limit, recvBytesInto) and
// their misuse errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageTooLongError, Pipe, RawArray } from '../../src/index.ts';
import { closing, skip } from './pipe-helpers.ts';

describe('Pipe (in one process): bytes', { skip }, () => {
  it('sends bytes (whole, a part, an ArrayBuffer, empty) and receives them as Buffers', async () => {
    using ends = closing(Pipe());
    const [a, b] = ends.pair;
    const bytes = Buffer.from('hello world');
    await a.sendBytes(bytes);
    await a.sendBytes(bytes, 6);
    await a.sendBytes(bytes, 0, 5);
    await a.sendBytes(new Uint16Array([1, 2]).buffer);
    await a.sendBytes(new Uint8Array(0));
    assert.equal(String(await b.recvBytes()), 'hello world');
    assert.equal(String(await b.recvBytes()), 'world');
    assert.equal(String(await b.recvBytes()), 'hello');
    assert.deepEqual([...(await b.recvBytes())], [1, 0, 2, 0]);
    const empty = await b.recvBytes();
    assert.ok(Buffer.isBuffer(empty));
    assert.equal(empty.length, 0);
  });

  it('throws at the call for bad sendBytes arguments, in the house format', async () => {
    using ends = closing(Pipe());
    const [a] = ends.pair;
    assert.throws(() => a.sendBytes(Buffer.alloc(4), 5), {
      name: 'RangeError',
      message: 'Expected `offset` to be an integer from 0 to 4, got `5` (number).',
    });
    assert.throws(() => a.sendBytes(Buffer.alloc(4), 1, 4), {
      name: 'RangeError',
      message: 'Expected `size` to be an integer from 0 to 3, got `4` (number).',
    });
    assert.throws(() => a.sendBytes('text' as never), {
      name: 'TypeError',
      message: /Expected `buffer` to be a Buffer, typed array, DataView or ArrayBuffer, got `"text"` \(string\)/,
    });
    await assert.rejects(a.recvBytes(-1), {
      name: 'RangeError',
      message: 'Expected `maxLength` to be a non-negative integer, got `-1` (number).',
    });
  });

  it('recvBytes(maxLength): a longer message is left for the next receive (MessageTooLongError)', async () => {
    using ends = closing(Pipe());
    const [a, b] = ends.pair;
    await a.sendBytes(Buffer.from('0123456789'));
    await assert.rejects(b.recvBytes(4), (error: unknown) => {
      assert.ok(error instanceof MessageTooLongError);
      assert.equal(error.length, 10);
      assert.equal(error.maxLength, 4);
      return true;
    });
    assert.equal(String(await b.recvBytes(10)), '0123456789');
    await a.send({ v: 1 });
    await assert.rejects(b.recvBytes(2), MessageTooLongError);
    assert.deepEqual(await b.recv(), { v: 1 });
  });

  it('recvBytesInto reads a message into a given buffer (from an offset), and leaves a longer one unread', async () => {
    using ends = closing(Pipe());
    const [a, b] = ends.pair;
    const target = new Uint8Array(16);
    await a.sendBytes(Buffer.from('hello'));
    assert.equal(await b.recvBytesInto(target, 2), 5);
    assert.equal(Buffer.from(target.subarray(2, 7)).toString(), 'hello');
    await a.sendBytes(Buffer.alloc(20, 1));
    await assert.rejects(b.recvBytesInto(target), MessageTooLongError);
    assert.equal((await b.recvBytes()).length, 20, 'the long message stayed for the next receive');
    const big = Buffer.alloc(300_000);
    for (let i = 0; i < big.length; i += 999) big[i] = i & 0xff;
    const shared = RawArray('u8', 400_000); // straight into shared memory
    const sent = a.sendBytes(big);
    assert.equal(await b.recvBytesInto(shared, 100), big.length);
    await sent;
    assert.ok(Buffer.from(shared.buffer, shared.byteOffset + 100, big.length).equals(big));
    await assert.rejects(b.recvBytesInto(target, 17), RangeError);
  });

  it('recvBytes of a value gives its serialized bytes; recv of bytes gives the bytes', async () => {
    using ends = closing(Pipe());
    const [a, b] = ends.pair;
    await a.send('x');
    assert.ok((await b.recvBytes()).length > 0);
    await a.sendBytes(Buffer.from('raw'));
    assert.equal(String(await b.recv<Buffer>()), 'raw');
  });
});
