// RawArray, Value and SharedArray in one process: types (and Python typecodes), initial values,
// argument checks, the lock (the built-in futex RLock until src/sync registers its own).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lock, ProcessStateError, RawArray, RLock, SharedArray, Value } from '../../src/index.ts';
import { loadNative } from '../../src/native/binding.ts';

const skip = loadNative() === null ? 'the native addon is not built' : false;

describe('RawArray', { skip }, () => {
  it('returns the typed array of each type, zero-filled, over a SharedArrayBuffer', () => {
    const expected = {
      i8: Int8Array,
      u8: Uint8Array,
      i16: Int16Array,
      u16: Uint16Array,
      i32: Int32Array,
      u32: Uint32Array,
      i64: BigInt64Array,
      u64: BigUint64Array,
      f32: Float32Array,
      f64: Float64Array,
    };
    for (const [type, Ctor] of Object.entries(expected)) {
      const array = RawArray(type as keyof typeof expected, 5);
      assert.ok(array instanceof Ctor, type);
      assert.equal(array.length, 5);
      assert.ok(array.buffer instanceof SharedArrayBuffer);
      assert.equal(array.byteOffset % 16, 0);
      assert.ok([...array].every((x) => x === 0 || x === 0n));
    }
    assert.equal(RawArray('f64', 0).length, 0);
  });

  it('takes initial values (an array or any iterable) and Python typecodes', () => {
    assert.deepEqual([...RawArray('f64', [1.5, 2.5])], [1.5, 2.5]);
    assert.deepEqual([...RawArray('i64', new Set([1n, -2n]))], [1n, -2n]);
    assert.ok(RawArray('d', 1) instanceof Float64Array);
    assert.ok(RawArray('i', 1) instanceof Int32Array);
    assert.ok(RawArray('q', 1) instanceof BigInt64Array);
    assert.ok(RawArray('B', 1) instanceof Uint8Array);
  });

  it('gives each array its own memory, and large arrays their own arena', () => {
    const a = RawArray('u8', 100);
    const b = RawArray('u8', 100);
    a.fill(1);
    assert.ok(b.every((x) => x === 0));
    const big = RawArray('f64', 1 << 20);
    assert.equal(big.byteOffset, 0);
    big[big.length - 1] = 3;
    assert.equal(big.at(-1), 3);
  });

  it('checks its arguments in the house format', () => {
    assert.throws(() => RawArray('x' as never, 1), {
      name: 'RangeError',
      message:
        /^Expected `type` to be one of 'i8' 'u8' 'i16' 'u16' 'i32' 'u32' 'i64' 'u64' 'f32' 'f64' \(or a Python typecode such as 'd'\), got `"x"` \(string\)\.$/,
    });
    assert.throws(() => RawArray('f64', -1), {
      name: 'RangeError',
      message: 'Expected `lengthOrValues` to be a non-negative integer (a length) or the values, got `-1` (number).',
    });
    assert.throws(() => RawArray('f64', 1.5), RangeError);
    assert.throws(() => RawArray('i64', [1] as never), {
      name: 'TypeError',
      message: "Expected `lengthOrValues[0]` to be a bigint (the type is 'i64'), got `1` (number).",
    });
    assert.throws(() => RawArray('f64', ['1'] as never), TypeError);
    assert.throws(() => RawArray('f64', 'abc' as never), TypeError);
  });
});

describe('Value', { skip }, () => {
  it('holds one shared number (bigint for 64-bit integers), default 0', () => {
    const v = new Value('i32', 41);
    v.value += 1;
    assert.equal(v.value, 42);
    assert.equal(v.type, 'i32');
    assert.equal(new Value('f64').value, 0);
    const big = new Value('u64', 2n ** 63n);
    assert.equal(big.value, 2n ** 63n);
    const f = new Value('d', 0.25);
    assert.equal(f.value, 0.25);
    assert.ok(v.getObj() instanceof Int32Array);
    assert.equal(Atomics.add(v.getObj(), 0, 1), 42);
    assert.equal(v.value, 43);
    assert.equal(String(v), "Value('i32', 43)");
    assert.throws(() => new Value('i64', 1 as never), {
      name: 'TypeError',
      message: "Expected `initial` to be a bigint (the type is 'i64'), got `1` (number).",
    });
    assert.throws(() => new Value('i32', 0, { lock: 'yes' as never }), TypeError);
  });

  it('has a recursive lock (sync and async acquire, release, using); none with { lock: false }', async () => {
    const v = new Value('i32', 0);
    const lock = v.getLock();
    assert.equal(v.getLock(), lock);
    assert.ok(lock instanceof RLock, 'its own lock is an RLock (Python: lock=True)');
    assert.equal(lock.acquireSync(), true);
    assert.equal(await lock.acquire(), true, 'recursive: the holding process acquires again');
    lock.release();
    lock.release();
    assert.throws(() => lock.release(), ProcessStateError);
    {
      using _held = lock.holdSync({ timeoutMs: 0 }); // typed as an RLock: no cast
      assert.equal(lock.isOwned(), true);
    }
    assert.equal(lock.isLocked(), false);
    assert.equal(await lock.acquire({ timeoutMs: 0 }), true);
    lock.release();
    assert.throws(() => new Value('i32', 0, { lock: false }).getLock(), {
      name: 'ProcessStateError',
      message: /created with \{ lock: false \}/,
    });
  });

  it("takes a Lock or RLock as its lock (Python's lock=): getLock() is that object, one lock for several values", () => {
    const lock = new Lock();
    const a = new Value('i32', 0, { lock });
    const b = new SharedArray('f64', 2, { lock });
    assert.equal(a.getLock(), lock);
    assert.equal(b.getLock(), lock);
    assert.equal(lock.acquireSync(), true);
    assert.equal(a.getLock().acquireSync({ timeoutMs: 0 }), false, 'the same non-recursive lock: held already');
    lock.release();
    const rlock = new RLock();
    assert.equal(new Value('f64', 1, { lock: rlock }).getLock(), rlock);
    for (const bad of [{}, { acquire() {}, release() {} }, 'lock', 1]) {
      assert.throws(() => new Value('i32', 0, { lock: bad as never }), {
        name: 'TypeError',
        message: /Expected `lock` to be true, false, or a Lock or RLock of multiproc/,
      });
    }
  });
});

describe('SharedArray', { skip }, () => {
  it('is a typed array over shared memory with a lock', () => {
    const s = new SharedArray('f64', [1, 2, 3]);
    assert.ok(s.array instanceof Float64Array);
    assert.ok(s.array.buffer instanceof SharedArrayBuffer);
    assert.equal(s.length, 3);
    assert.equal(s.type, 'f64');
    const lock = s.getLock();
    assert.equal(lock.acquireSync(), true);
    s.array[0] = 10;
    lock.release();
    assert.deepEqual([...s.array], [10, 2, 3]);
    assert.equal(new SharedArray('u8', 4, { lock: false }).array.length, 4);
    assert.throws(() => new SharedArray('u8', 4, { lock: false }).getLock(), ProcessStateError);
  });
});
