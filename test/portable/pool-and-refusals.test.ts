// Without the addon: a Pool of spawn workers over portable Pipes, the start methods on offer,
// and the features that stay unavailable, each refused with NativeUnavailableError saying what
// works instead and how to get the addon.
import './env.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getAllStartMethods, NativeUnavailableError, Pool, RawArray, SharedArray, SharedMemory } from '../../src/index.ts';
import { failOn, square } from '../fixtures/pool/tasks.ts';

describe('Pool without the addon', () => {
  it('map, apply and a task error, over spawn workers', async () => {
    assert.deepEqual(getAllStartMethods(), ['spawn']);
    const pool = new Pool({ processes: 2 });
    try {
      assert.deepEqual(await pool.map(square, [1, 2, 3, 4, 5, 6]), [1, 4, 9, 16, 25, 36]);
      assert.equal(await pool.apply(square, [12]), 144);
      await assert.rejects(pool.map(failOn, [1, 5]), (error: unknown) => error instanceof RangeError && /bad item 5/.test(error.message));
      const seen: number[] = [];
      for await (const value of pool.imap(square, [7, 8])) seen.push(value);
      assert.deepEqual(seen, [49, 64]);
    } finally {
      pool.close();
      await pool.join();
    }
  });
});

describe('what stays native-only', () => {
  const cases: [string, () => unknown][] = [
    ['SharedMemory', () => new SharedMemory({ create: true, size: 16 })],
    ['RawArray', () => RawArray('i', 4)],
    ['SharedArray', () => new SharedArray('i', 4)],
  ];
  for (const [name, make] of cases) {
    it(`${name}: NativeUnavailableError naming the feature, what works without the addon, and how to get it`, () => {
      assert.throws(
        make,
        (error: unknown) =>
          error instanceof NativeUnavailableError &&
          /Without it, spawn Processes, Pipe, Queue, .*Barrier, Value/.test(error.message) &&
          /npm rebuild multiproc/.test(error.message),
      );
    });
  }
});
