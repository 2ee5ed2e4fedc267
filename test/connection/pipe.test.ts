// Pipe and Connection within one process: values and bytes, order, limits, EOF and close,
// poll, timeouts, one-way pipes, misuse errors.
import assert from 'node:assert/strict';
import { writeSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Connection, ConnectionClosedError, FrameError, MessageTooLongError, Pipe, ProcessStateError, RawArray, SerializationError, TimeoutError } from '../../src/index.ts';
import { kNeverSpin, openConnection } from '../../src/connection/connection.ts';
import { loadNative } from '../../src/native/binding.ts';
import { Point } from '../fixtures/shareables.ts';

const native = loadNative();
const skip = native === null ? 'the native addon is not built' : false;

describe('Pipe (in one process)', { skip }, () => {
  // The peer closed with a frame of ours unread: the socket reports ECONNRESET (EPOLLERR) along
  // with what the peer sent. The receive that waits after that frame must still see the end (a
  // Pool map hung when its SIGKILLed worker left a wake-up unread; issue 15). No spinning (as a
  // Pool's ends): the wait is on the loop's watcher.
  it('a receive after the peer closed with our frame unread gets ConnectionClosedError', async () => {
    const [a, b] = Pipe();
    a[kNeverSpin]();
    try {
      const first = a.recv();
      await a.sendBytes(Buffer.alloc(8192, 1)); // longer than the lane takes: on the socket, never read by b
      await b.send('last');
      b.close();
      assert.equal(await first, 'last');
      let timer: NodeJS.Timeout | undefined;
      const second = a.recv().then(() => 'a message', (error: Error) => error.name);
      const outcome = await Promise.race([second, new Promise((resolve) => (timer = setTimeout(resolve, 10_000, 'still waiting')))]);
      clearTimeout(timer);
      assert.equal(outcome, 'ConnectionClosedError');
    } finally {
      a.close();
    }
  });

  it('carries structured-clone values as sent', async () => {
    using ends = closing(Pipe());
    const [a, b] = ends.pair;
    const value = {
      map: new Map<unknown, unknown>([['k', 1], [2, { deep: [new Set([1n])] }]]),
      set: new Set(['x']),
      date: new Date(86_400_000),
      big: 2n ** 70n,
      f64: new Float64Array([1.5, -0]),
      u8: new Uint8Array([1, 2, 3]),
      undef: undefined,
      nan: NaN,
      negZero: -0,
      sparse: [1, , 3],
      nested: { a: { b: { c: [null, true, 'é'] } } },
      error: new RangeError('bad'),
      point: new Point(3, 4),
    };
    await a.send(value);
    const got = await b.recv<typeof value>();
    assert.deepEqual(got.map, value.map);
    assert.deepEqual(got.set, value.set);
    assert.equal(got.date.getTime(), 86_400_000);
    assert.equal(got.big, 2n ** 70n);
    assert.ok(got.f64 instanceof Float64Array);
    assert.deepEqual([...got.f64], [1.5, -0]);
    assert.ok(Object.is(got.f64[1], -0));
    assert.deepEqual([...got.u8], [1, 2, 3]);
    assert.ok('undef' in got && got.undef === undefined);
    assert.ok(Number.isNaN(got.nan));
    assert.ok(Object.is(got.negZero, -0));
    assert.equal(got.sparse.length, 3);
    assert.ok(!(1 in got.sparse));
    assert.deepEqual(got.nested, value.nested);
    assert.ok(got.error instanceof RangeError);
    // An instance of an exported class arrives as an instance (by class reference, as pickle does).
    assert.ok(got.point instanceof Point);
    assert.equal(got.point.norm(), 5);
  });

  it('gives back exactly what structured clone would, whichever encoding a value takes (JSON fast path or v8)', async () => {
    using ends = closing(Pipe());
    const [a, b] = ends.pair;
    const shared = { s: 1 };
    const cycle: Record<string, unknown> = { name: 'cycle' };
    cycle['self'] = cycle;
    const withExtra = Object.assign([1, 2], { extra: true });
    const nullProto = Object.assign(Object.create(null) as object, { k: 1 });
    const protoKey = JSON.parse('{"__proto__": {"polluted": true}, "x": 1}') as object;
    const values: unknown[] = [
      0, -0, 1.5, NaN, Infinity, -Infinity, 2 ** 53, 'text', '', 'é\u{1F600}', '\uD800 lone surrogate', true, null, undefined,
      [], [1, 'two', [3]], [1, , 3], [undefined], withExtra, {}, { a: undefined }, { a: -0 }, { n: NaN }, { big: 1n },
      { nested: { deep: { list: [1, { x: 'y' }] } } }, { shared1: shared, shared2: shared }, cycle, nullProto, protoKey,
      { '2': 'b', '1': 'a', z: 0, y: 1 }, new Date(5), new Map([[1, 2]]), Array.from({ length: 1000 }, (_, i) => i),
    ];
    for (const value of values) void a.send(value);
    for (const value of values) {
      const got = await b.recv();
      if (typeof value === 'number') assert.ok(Object.is(got, value), `${String(value)} came back as ${String(got)}`);
      else assert.deepStrictEqual(got, structuredClone(value));
    }
    const [sharedBack] = [await (async () => (void a.send({ shared1: shared, shared2: shared }), b.recv<{ shared1: object; shared2: object }>()))()];
    assert.equal(sharedBack.shared1, sharedBack.shared2, 'a shared reference stays one object');
    void a.send(cycle);
    const cycleBack = await b.recv<Record<string, unknown>>();
    assert.equal(cycleBack['self'], cycleBack);
    void a.send(protoKey);
    const protoBack = await b.recv<Record<string, unknown>>();
    assert.ok(Object.hasOwn(protoBack, '__proto__'), '__proto__ stays an own data property');
    assert.equal(Object.getPrototypeOf(protoBack), Object.prototype);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    void a.send([1, , 3]);
    const sparse = await b.recv<unknown[]>();
    assert.ok(!(1 in sparse));
    void a.send(withExtra);
    assert.equal((await b.recv<{ extra?: boolean }>()).extra, true);
  });

  it('delivers many messages read at once (read-ahead) one per receive, and keeps the rest for later', async () => {
    using ends = closing(Pipe());
    const [a, b] = ends.pair;
    for (let i = 0; i < 1000; i++) void a.send({ i });
    const big = a.sendBytes(Buffer.alloc(200_000, 7)); // larger than the read-ahead buffer (and the socket's)
    const last = a.send('last');
    for (let i = 0; i < 1000; i++) assert.deepEqual(await b.recv(), { i });
    assert.equal(b.pollSync(), true);
    const bytes = await b.recvBytes();
    assert.equal(bytes.length, 200_000);
    assert.ok(bytes.every((x) => x === 7));
    assert.equal(await b.recv(), 'last');
    await Promise.all([big, last]);
    assert.equal(await b.poll(), false);
  });

  it('keeps the order of sends that are not awaited, small and large mixed', async () => {
    using ends = closing(Pipe());
    const [a, b] = ends.pair;
    const big = new Uint8Array(3 << 20).fill(9);
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) sends.push(i % 10 === 5 ? a.send({ i, big }) : a.send(i));
    const received: number[] = [];
    for (let i = 0; i < 50; i++) {
      const value = await b.recv<number | { i: number; big: Uint8Array }>();
      if (typeof value === 'number') received.push(value);
      else {
        assert.equal(value.big.length, 3 << 20);
        assert.equal(value.big[12345], 9);
        received.push(value.i);
      }
    }
    await Promise.all(sends);
    assert.deepEqual(received, Array.from({ length: 50 }, (_, i) => i));
  });

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

  it('moves large messages both ways, as bytes and as values', async () => {
    using ends = closing(Pipe());
    const [a, b] = ends.pair;
    const big = Buffer.alloc(16 << 20);
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
    const sent = a.sendBytes(big);
    const got = await b.recvBytes();
    await sent;
    assert.ok(got.equals(big));
    const back = b.send({ big });
    const value = await a.recv<{ big: Buffer }>();
    await back;
    assert.ok(Buffer.from(value.big).equals(big));
  });

  it('throws at the call for bad sendBytes arguments, in the house format', async () => {
    using ends = closing(Pipe());
    const [a] = ends.pair;
    assert.throws(() => a.sendBytes(Buffer.alloc(4), 5), { name: 'RangeError', message: 'Expected `offset` to be an integer from 0 to 4, got `5` (number).' });
    assert.throws(() => a.sendBytes(Buffer.alloc(4), 1, 4), { name: 'RangeError', message: 'Expected `size` to be an integer from 0 to 3, got `4` (number).' });
    assert.throws(() => a.sendBytes('text' as never), { name: 'TypeError', message: /Expected `buffer` to be a Buffer, typed array, DataView or ArrayBuffer, got `"text"` \(string\)/ });
    await assert.rejects(a.recvBytes(-1), { name: 'RangeError', message: 'Expected `maxLength` to be a non-negative integer, got `-1` (number).' });
  });

  it('throws at the send for what structured clone cannot carry, and stays usable', async () => {
    using ends = closing(Pipe());
    const [a, b] = ends.pair;
    assert.throws(() => a.send({ f: () => 1 }), SerializationError);
    assert.throws(() => a.send(Symbol('s')), SerializationError);
    await a.send('still fine');
    assert.equal(await b.recv(), 'still fine');
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

  it('a recvBytesInto that times out in the middle of a message hands the part it holds to the next receive', async () => {
    using ends = closing(Pipe());
    const [, b] = ends.pair;
    const fd = ends.pair[0].fileno();
    const payload = Buffer.alloc(100_000, 3);
    const header = Buffer.from([0, 1, 0x86, 0xa0, 2]); // 100,000 bytes
    writeSync(fd, Buffer.concat([header, payload.subarray(0, 1000)]));
    const target = Buffer.alloc(200_000);
    await assert.rejects(b.recvBytesInto(target, 0, { timeoutMs: 30 }), TimeoutError);
    target.fill(0); // the caller may reuse its buffer at once
    const rest = b.recvBytes();
    writeSync(fd, payload.subarray(1000));
    assert.ok((await rest).equals(payload));
  });

  it('recvBytes of a value gives its serialized bytes; recv of bytes gives the bytes', async () => {
    using ends = closing(Pipe());
    const [a, b] = ends.pair;
    await a.send('x');
    assert.ok((await b.recvBytes()).length > 0);
    await a.sendBytes(Buffer.from('raw'));
    assert.equal(String(await b.recv<Buffer>()), 'raw');
  });

  it('rejects a pending and every later recv once the other end closes (never hangs)', async () => {
    const [a, b] = Pipe();
    const pending = b.recv();
    const pendingBytes = b.recvBytes();
    a.close();
    for (const promise of [pending, pendingBytes, b.recv(), b.recvBytes()]) {
      await assert.rejects(promise, (error: unknown) => error instanceof ConnectionClosedError && error.closedBy === 'peer' && /EOF/.test(error.message));
    }
    assert.equal(await b.poll(), true, 'poll says ready at EOF (recv would not wait)');
    b.close();
  });

  it('delivers what was sent before the other end closed, then ends async iteration', async () => {
    const [a, b] = Pipe();
    void a.send(1);
    void a.send(2);
    a.close(); // sends already passed to send() are written first
    const seen: unknown[] = [];
    for await (const value of b) seen.push(value);
    assert.deepEqual(seen, [1, 2]);
    b.close();
  });

  it('rejects a broken pipe on send with ConnectionClosedError', async () => {
    const [a, b] = Pipe();
    b.close();
    await assert.rejects(
      (async () => {
        for (let i = 0; i < 100; i++) await a.send(i); // the first may still be accepted by the kernel
      })(),
      (error: unknown) => error instanceof ConnectionClosedError && error.closedBy === 'peer',
    );
    a.close();
  });

  it('fails every use after close() with ConnectionClosedError (closedBy self), pending receives too', async () => {
    const [a, b] = Pipe();
    const pending = a.recv();
    a.close();
    assert.equal(a.closed, true);
    a.close(); // twice is fine
    const isSelf = (error: unknown) => error instanceof ConnectionClosedError && error.closedBy === 'self';
    await assert.rejects(pending, isSelf);
    await assert.rejects(a.recv(), isSelf);
    assert.throws(() => a.send(1), isSelf);
    assert.throws(() => a.sendBytes(Buffer.alloc(1)), isSelf);
    await assert.rejects(a.poll(), isSelf);
    assert.throws(() => a.fileno(), isSelf);
    b.close();
  });

  it('poll(): false with nothing there, true when a message arrives, waits up to timeoutMs', async () => {
    using ends = closing(Pipe());
    const [a, b] = ends.pair;
    assert.equal(await b.poll(), false);
    assert.equal(await b.poll(20), false);
    const later = b.poll(10_000);
    await a.send('x');
    assert.equal(await later, true);
    assert.equal(await b.poll(), true);
    assert.equal(b.pollSync(), true);
    assert.equal(await b.recv(), 'x');
    assert.equal(b.pollSync(), false);
    await assert.rejects(b.poll(-1), RangeError);
  });

  it('recv({ timeoutMs }) rejects with TimeoutError; recv({ signal }) with the abort reason; nothing is lost', async () => {
    using ends = closing(Pipe());
    const [a, b] = ends.pair;
    await assert.rejects(b.recv({ timeoutMs: 10 }), TimeoutError);
    const controller = new AbortController();
    const aborted = b.recv({ signal: controller.signal });
    controller.abort(new Error('stop'));
    await assert.rejects(aborted, { message: 'stop' });
    await assert.rejects(b.recv({ signal: AbortSignal.abort(new Error('already')) }), { message: 'already' });
    await a.send('after');
    assert.equal(await b.recv({ timeoutMs: 10_000 }), 'after');
  });

  it('a receive that times out in the middle of a message leaves the rest for the next one', async () => {
    using ends = closing(Pipe());
    const [, b] = ends.pair;
    const fd = ends.pair[0].fileno();
    const payload = Buffer.from('complete message');
    const header = Buffer.from([0, 0, 0, payload.length, 2]);
    writeSync(fd, Buffer.concat([header, payload.subarray(0, 4)]));
    await assert.rejects(b.recvBytes(undefined, { timeoutMs: 30 }), TimeoutError);
    writeSync(fd, payload.subarray(4));
    assert.equal(String(await b.recvBytes()), 'complete message');
  });

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

// Both ends of a Pipe, closed at the end of the block.
function closing(pair: [Connection, Connection]): { pair: [Connection, Connection]; [Symbol.dispose](): void } {
  return {
    pair,
    [Symbol.dispose]() {
      for (const end of pair) end.close();
    },
  };
}
