// The worker's chunk loop (runChunk): numbers go straight into the Float64Array that is sent,
// and every other case (a non-number result part way, a thenable, star arguments, short chunks,
// a throwing function) gives the same results, in order, as a plain loop would.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MIN_PACKED, unpack, type Packed } from '../../src/pool/packing.ts';
import { runChunk } from '../../src/pool/worker.ts';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

async function results(
  fn: (...args: never[]) => unknown,
  items: ArrayLike<unknown>,
  star = false,
): Promise<{ packed: Packed; values: unknown[] }> {
  const packed = await runChunk(fn as (...args: unknown[]) => unknown, items, star);
  return { packed, values: unpack(packed) };
}

describe('Pool worker chunk loop', () => {
  it('packs all-number results of a long chunk, from an array or a Float64Array', async () => {
    const n = MIN_PACKED * 4;
    for (const items of [range(n), Float64Array.from(range(n))]) {
      const { packed, values } = await results((x: number) => x * x, items);
      assert.ok(!Array.isArray(packed) && packed.f64 instanceof Float64Array);
      assert.deepEqual(
        values,
        range(n).map((x) => x * x),
      );
    }
  });

  it('keeps NaN, -0 and Infinity', async () => {
    const special = [NaN, -0, Infinity, -Infinity];
    const { values } = await results((i: number) => special[i % 4], range(MIN_PACKED));
    for (let i = 0; i < values.length; i++) assert.ok(Object.is(values[i], special[i % 4]), `item ${i}`);
  });

  it('switches to an array at the first result that is not a number, keeping the earlier ones', async () => {
    const n = MIN_PACKED * 2;
    const fn = (x: number) => (x >= 40 && x % 2 === 0 ? `s${x}` : x + 0.5);
    const { packed, values } = await results(fn, range(n));
    assert.ok(Array.isArray(packed));
    assert.deepEqual(values, range(n).map(fn));
  });

  it('awaits a thenable result before the next item, in order', async () => {
    const calls: number[] = [];
    const fn = (x: number) => {
      calls.push(x);
      return x === 35 ? Promise.resolve(-1) : x;
    };
    const { values } = await results(fn, range(MIN_PACKED + 8));
    assert.deepEqual(calls, range(MIN_PACKED + 8));
    assert.deepEqual(
      values,
      range(MIN_PACKED + 8).map((x) => (x === 35 ? -1 : x)),
    );
  });

  it('spreads argument lists under star, and leaves short chunks as arrays', async () => {
    const pairs = range(MIN_PACKED + 1).map((x) => [x, 2]);
    assert.deepEqual(
      (await results((a: number, b: number) => a * b, pairs, true)).values,
      range(MIN_PACKED + 1).map((x) => x * 2),
    );
    const short = await results((x: number) => x + 1, range(3));
    assert.deepEqual(short.packed, [1, 2, 3]);
  });

  it('lets the function throw, on the fast path and after the switch', async () => {
    const boom = new Error('boom');
    assert.throws(
      () =>
        runChunk(
          (x) => {
            if (x === 50) throw boom;
            return x;
          },
          range(MIN_PACKED * 2),
          false,
        ),
      boom,
    );
    await assert.rejects(
      async () =>
        runChunk(
          (x) => {
            if (x === 50) throw boom;
            return String(x);
          },
          range(MIN_PACKED * 2),
          false,
        ),
      boom,
    );
  });
});
