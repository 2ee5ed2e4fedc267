// Pool basics under every start method: apply, map, starmap, imap, imapUnordered, chunking,
// errors re-thrown with their type and fields, unserializable values, option errors, names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getContext, Pool, SerializationError } from '../../src/index.ts';
import {
  add,
  failOn,
  identity,
  initRemember,
  pid,
  raiseTyped,
  remembered,
  returnFunction,
  slowFirstFailThird,
  slowSquare,
  square,
} from '../fixtures/pool/tasks.ts';
import { testedMethods } from '../helpers.ts';

async function* asyncRange(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) {
    await Promise.resolve();
    yield i;
  }
}

function* throwingAfter(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
  throw new TypeError('input broke');
}

async function drain<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

describe('Pool options', () => {
  it('rejects bad options in the house format', () => {
    assert.throws(() => new Pool({ processes: 0 }), {
      name: 'RangeError',
      message: 'Expected `processes` to be a positive integer, got `0` (number).',
    });
    assert.throws(() => new Pool({ processes: 2, maxTasksPerChild: 0.5 }), {
      name: 'RangeError',
      message: 'Expected `maxTasksPerChild` to be a positive integer, got `0.5` (number).',
    });
    assert.throws(() => new Pool({ processes: 2, initializer: 3 as never }), {
      name: 'TypeError',
      message: 'Expected `initializer` to be a function, got `3` (number).',
    });
    assert.throws(() => new Pool({ processes: '2' as never }), TypeError);
    assert.throws(() => new Pool({ context: 'nope' as never }), TypeError);
  });
});

for (const method of testedMethods()) {
  const ctx = getContext(method);

  describe(`Pool (${method})`, () => {
    it('applies, maps, starmaps and iterates', async () => {
      await using pool = new ctx.Pool({ processes: 2 });
      assert.equal(await pool.apply(add, [2, 3]), 5);
      assert.deepEqual(await pool.map(square, [1, 2, 3, 4, 5]), [1, 4, 9, 16, 25]);
      assert.deepEqual(await pool.map(square, []), []);
      const big = Array.from({ length: 1000 }, (_, i) => i);
      assert.deepEqual(
        await pool.map(square, big),
        big.map((x) => x * x),
      );
      assert.deepEqual(
        await pool.map(square, big, { chunksize: 7 }),
        big.map((x) => x * x),
      );
      assert.deepEqual(await pool.map(square, new Set([3, 4])), [9, 16]);
      assert.deepEqual(
        await pool.map(square, asyncRange(50)),
        Array.from({ length: 50 }, (_, i) => i * i),
      );
      assert.deepEqual(await pool.map(slowSquare, [1, 2, 3]), [1, 4, 9]);
      assert.deepEqual(
        await pool.starmap(add, [
          [1, 2],
          [3, 4],
        ]),
        [3, 7],
      );
      assert.deepEqual(await drain(pool.imap(square, [1, 2, 3, 4, 5, 6, 7])), [1, 4, 9, 16, 25, 36, 49]);
      assert.deepEqual(
        await drain(pool.imap(square, asyncRange(20), { chunksize: 3 })),
        Array.from({ length: 20 }, (_, i) => i * i),
      );
      const unordered = await drain(pool.imapUnordered(slowSquare, [1, 2, 3, 4, 5, 6]));
      assert.deepEqual(
        unordered.sort((a, b) => a - b),
        [1, 4, 9, 16, 25, 36],
      );
      assert.deepEqual(await drain(pool.imap(square, [])), []);
    });

    it('keeps structured-clone values (Map, Date, BigInt) intact', async () => {
      await using pool = new ctx.Pool({ processes: 2 });
      const value = { m: new Map([[1, 'a']]), d: new Date(5), b: 10n, u: new Uint8Array([1, 2]) };
      assert.deepEqual(await pool.apply(identity, [value]), value);
      // Chunks of numbers travel packed as Float64Array: exact, NaN, -0 and Infinity included.
      const numbers = Array.from({ length: 300 }, (_, i) =>
        i % 7 === 0 ? -0 : i % 11 === 0 ? NaN : i % 13 === 0 ? -Infinity : i * 1.5 - 2 ** 52,
      );
      assert.deepEqual(await pool.map(identity, numbers), numbers);
      const mixed = [...numbers.slice(0, 100), 'x', 2n, ...numbers.slice(100)];
      assert.deepEqual(await pool.map(identity, mixed, { chunksize: 150 }), mixed);
    });

    it('starts its workers with the first call of the task that created it, or at the end of that task', async () => {
      const workers = () => ctx.activeChildren().filter((p) => p.name.includes('PoolWorker')).length;
      const before = workers();
      {
        await using pool = new ctx.Pool({ processes: 2 });
        assert.equal(workers(), before, 'not yet: a call made now would start them');
        const first = pool.map(square, [1, 2, 3]);
        assert.equal(workers(), before + 2, 'started by the first call');
        assert.deepEqual(await first, [1, 4, 9]);
      }
      {
        await using pool = new ctx.Pool({ processes: 2 });
        await new Promise<void>((resolve) => setImmediate(resolve));
        assert.equal(workers(), before + 2, 'started once the creating task ended');
        assert.equal(pool.pids.length, 2);
        assert.deepEqual(await pool.apply(add, [2, 3]), 5);
      }
    });

    it('runs tasks in workers named like Python', async () => {
      await using pool = new ctx.Pool({ processes: 2 });
      const pids = new Set(await pool.map(pid, [0, 1, 2, 3, 4, 5, 6, 7], { chunksize: 1 }));
      assert.ok(!pids.has(process.pid));
      for (const p of pids) assert.ok(pool.pids.includes(p));
      const prefix = { spawn: 'Spawn', fork: 'Fork', forkserver: 'ForkServer' }[method];
      const names = ctx
        .activeChildren()
        .map((p) => p.name)
        .filter((n) => n.includes('PoolWorker'));
      assert.ok(names.length >= 2 && names.every((n) => new RegExp(`^${prefix}PoolWorker-\\d+$`).test(n)), names.join(','));
    });

    it('re-throws task errors with their type, message, fields and the child stack', async () => {
      await using pool = new ctx.Pool({ processes: 2 });
      await assert.rejects(pool.apply(raiseTyped, ['TypeError', 'bad type']), (error: Error) => {
        assert.ok(error instanceof TypeError);
        assert.equal(error.message, 'bad type');
        assert.match(error.stack ?? '', /raiseTyped/);
        assert.match(error.stack ?? '', /in a pool worker/);
        return true;
      });
      await assert.rejects(pool.apply(raiseTyped, ['Error', 'plain']), (error: Error & { code?: string; extra?: unknown }) => {
        assert.equal(error.constructor, Error);
        assert.equal(error.code, 'E_TASK');
        assert.deepEqual(error.extra, { n: 7 });
        return true;
      });
      await assert.rejects(pool.map(failOn, [1, 2, 3, 4, 5, 6]), { name: 'RangeError', message: 'bad item 5' });
      const seen: number[] = [];
      await assert.rejects(async () => {
        for await (const value of pool.imap(failOn, [1, 2, 3, 4, 5, 6])) seen.push(value);
      }, RangeError);
      // As Python's IMapIterator: every result before the failing position, in order, then the error.
      assert.deepEqual(seen, [1, 4, 9, 16]);
      // The same when an earlier item is still running as the error arrives (item 1 is slow).
      const waited: number[] = [];
      await assert.rejects(
        async () => {
          for await (const value of pool.imap(slowFirstFailThird, [0, 1, 2, 3, 4, 5])) waited.push(value);
        },
        { name: 'RangeError', message: 'bad item 3' },
      );
      assert.deepEqual(waited, [0, 10, 20]);
      const chunked: number[] = [];
      await assert.rejects(async () => {
        for await (const value of pool.imap(failOn, [1, 2, 3, 4, 5, 6, 7, 8], { chunksize: 2 })) chunked.push(value);
      }, RangeError);
      assert.deepEqual(chunked, [1, 4, 9, 16], 'the chunk holding the failing item fails whole, as in Python');
      assert.deepEqual(await pool.map(square, [2]), [4], 'the pool is still usable');
    });

    it('reports an input that throws midway and stays usable', async () => {
      await using pool = new ctx.Pool({ processes: 2 });
      await assert.rejects(pool.map(square, throwingAfter(5)), { name: 'TypeError', message: 'input broke' });
      const seen: number[] = [];
      await assert.rejects(async () => {
        for await (const value of pool.imap(square, throwingAfter(3))) seen.push(value);
      }, /input broke/);
      assert.deepEqual(seen, [0, 1, 4]);
      assert.deepEqual(await pool.map(square, [3]), [9]);
    });

    it('fails one call with a SerializationError for an unserializable argument or result', async () => {
      await using pool = new ctx.Pool({ processes: 2 });
      await assert.rejects(pool.map(identity, [1, () => 2, 3], { chunksize: 3 }), (error: SerializationError) => {
        assert.ok(error instanceof SerializationError);
        assert.equal(error.path, 'items[1]');
        return true;
      });
      await assert.rejects(pool.apply(returnFunction, []), (error: SerializationError) => {
        assert.ok(error instanceof SerializationError, String(error));
        assert.match(error.message, /result/);
        return true;
      });
      assert.equal(await pool.apply(add, [1, 1]), 2);
    });

    it('lets an imap consumer stop early; the pool stays usable', async () => {
      await using pool = new ctx.Pool({ processes: 2 });
      for await (const value of pool.imap(slowSquare, [1, 2, 3, 4, 5, 6, 7, 8])) {
        assert.equal(value, 1);
        break;
      }
      assert.deepEqual(await pool.map(square, [4]), [16]);
    });

    it('refuses a function that is not exported unless the start method is fork', async () => {
      await using pool = new ctx.Pool({ processes: 2 });
      const offset = 10;
      const closure = (x: number) => x + offset;
      if (method === 'fork') {
        assert.deepEqual(await pool.map(closure, [1, 2, 3]), [11, 12, 13]);
      } else {
        await assert.rejects(pool.map(closure, [1, 2, 3]), (error: SerializationError) => {
          assert.ok(error instanceof SerializationError);
          assert.match(error.message, /not exported|not defined in a module/);
          return true;
        });
      }
    });

    it(
      'refuses initargs that cannot reach its workers when it is created',
      { skip: method === 'fork' ? 'a fork worker is a copy: any initargs reach it' : false },
      () => {
        assert.throws(
          () => new ctx.Pool({ processes: 1, initializer: initRemember, initargs: [() => 1] }),
          (error: SerializationError) => {
            assert.ok(error instanceof SerializationError, String(error));
            assert.equal(error.path, 'initargs[0]');
            return true;
          },
        );
      },
    );

    it('runs the initializer with initargs in every worker', async () => {
      await using pool = new ctx.Pool({ processes: 2, initializer: initRemember, initargs: [{ k: 'v' }] });
      assert.deepEqual(await pool.map(remembered, [0, 1, 2, 3], { chunksize: 1 }), [{ k: 'v' }, { k: 'v' }, { k: 'v' }, { k: 'v' }]);
    });

    it('refuses new calls after close, and join waits for queued work', async () => {
      const pool = new ctx.Pool({ processes: 2 });
      await assert.rejects(pool.join(), /close\(\) or terminate\(\)/);
      const pending = pool.map(slowSquare, [1, 2, 3, 4]);
      pool.close();
      await assert.rejects(pool.map(square, [1]), /closed/);
      await pool.join();
      assert.deepEqual(await pending, [1, 4, 9, 16]);
      assert.deepEqual(pool.pids, []);
    });
  });
}
