// Pipe within one process: values as structured clone gives them back (JSON fast path or v8),
// read-ahead, the order of sends, large messages, and values that cannot be sent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pipe, SerializationError } from '../../src/index.ts';
import { Point } from '../fixtures/shareables.ts';
import { closing, skip } from './pipe-helpers.ts';

describe('Pipe (in one process): values', { skip }, () => {
  it('carries structured-clone values as sent', async () => {
    using ends = closing(Pipe());
    const [a, b] = ends.pair;
    const value = {
      map: new Map<unknown, unknown>([
        ['k', 1],
        [2, { deep: [new Set([1n])] }],
      ]),
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
      0,
      -0,
      1.5,
      NaN,
      Infinity,
      -Infinity,
      2 ** 53,
      'text',
      '',
      'é\u{1F600}',
      '\uD800 lone surrogate',
      true,
      null,
      undefined,
      [],
      [1, 'two', [3]],
      [1, , 3],
      [undefined],
      withExtra,
      {},
      { a: undefined },
      { a: -0 },
      { n: NaN },
      { big: 1n },
      { nested: { deep: { list: [1, { x: 'y' }] } } },
      { shared1: shared, shared2: shared },
      cycle,
      nullProto,
      protoKey,
      { '2': 'b', '1': 'a', z: 0, y: 1 },
      new Date(5),
      new Map([[1, 2]]),
      Array.from({ length: 1000 }, (_, i) => i),
    ];
    for (const value of values) void a.send(value);
    for (const value of values) {
      const got = await b.recv();
      if (typeof value === 'number') assert.ok(Object.is(got, value), `${String(value)} came back as ${String(got)}`);
      else assert.deepStrictEqual(got, structuredClone(value));
    }
    const [sharedBack] = [
      await (async () => (void a.send({ shared1: shared, shared2: shared }), b.recv<{ shared1: object; shared2: object }>()))(),
    ];
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
    assert.deepEqual(
      received,
      Array.from({ length: 50 }, (_, i) => i),
    );
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

  it('throws at the send for what structured clone cannot carry, and stays usable', async () => {
    using ends = closing(Pipe());
    const [a, b] = ends.pair;
    assert.throws(() => a.send({ f: () => 1 }), SerializationError);
    assert.throws(() => a.send(Symbol('s')), SerializationError);
    assert.throws(() => a.send({ deep: [1, { tag: Symbol('s') }] }), { name: 'SerializationError', path: 'value.deep[1].tag' });
    await a.send('still fine');
    assert.equal(await b.recv(), 'still fine');
  });
});
