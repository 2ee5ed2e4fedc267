// SharedMemory in one process: create and attach, names, mode 0600, sizes, close and unlink,
// the typed errors (Python's FileExistsError / FileNotFoundError / ValueError).
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ProcessStateError, SharedMemory, SharedMemoryExistsError, SharedMemoryNotFoundError } from '../../src/index.ts';
import { loadNative } from '../../src/native/binding.ts';

const skip = loadNative() === null ? 'the native addon is not built' : false;

describe('SharedMemory', { skip }, () => {
  it('creates a 0600 segment with a generated mp- name; an attached copy sees the same bytes', () => {
    const shm = new SharedMemory({ create: true, size: 1000 });
    try {
      assert.match(shm.name, /^mp-[0-9a-f]{16}$/);
      assert.equal(shm.size, 1000);
      assert.equal(shm.buf.length, 1000);
      assert.ok(shm.buf.buffer instanceof SharedArrayBuffer);
      assert.ok(shm.buf.every((byte) => byte === 0));
      assert.equal(statSync(`/dev/shm/${shm.name}`).mode & 0o777, 0o600);
      const other = new SharedMemory({ name: shm.name });
      assert.equal(other.size, 1000);
      shm.buf[10] = 42;
      assert.equal(other.buf[10], 42);
      Atomics.add(new Int32Array(other.buf.buffer, 0, 1), 0, 5);
      assert.equal(Atomics.load(new Int32Array(shm.buf.buffer, 0, 1), 0), 5);
      const part = new SharedMemory({ name: `/${shm.name}`, size: 10 }); // a leading '/' is fine
      assert.equal(part.buf.length, 10);
      part.close();
      other.close();
    } finally {
      shm.close();
      shm.unlink();
    }
    assert.equal(existsSync(`/dev/shm/${shm.name}`), false);
  });

  it('takes a chosen name; create on an existing name is SharedMemoryExistsError', () => {
    const name = `mp-test-${process.pid}-named`;
    const shm = new SharedMemory({ name, create: true, size: 64 });
    try {
      assert.equal(shm.name, name);
      assert.throws(
        () => new SharedMemory({ name, create: true, size: 64 }),
        (error: unknown) => {
          assert.ok(error instanceof SharedMemoryExistsError);
          assert.equal(error.code, 'EEXIST');
          assert.equal(error.segment, name);
          assert.match(error.message, /already exists: open it with `create: false`/);
          return true;
        },
      );
    } finally {
      shm.close();
      shm.unlink();
    }
  });

  it('opening a missing segment, or unlinking twice, is SharedMemoryNotFoundError', () => {
    assert.throws(
      () => new SharedMemory({ name: `mp-test-${process.pid}-missing` }),
      (error: unknown) => error instanceof SharedMemoryNotFoundError && error.code === 'ENOENT',
    );
    const shm = new SharedMemory({ create: true, size: 8 });
    shm.unlink();
    assert.throws(
      () => shm.unlink(),
      (error: unknown) => error instanceof SharedMemoryNotFoundError && /unlinked already/.test(error.message),
    );
    assert.equal(shm.buf.length, 8, 'the memory stays usable after unlink');
    shm.close();
  });

  it('checks size, name and options in the house format', () => {
    assert.throws(() => new SharedMemory({ create: true, size: 0 }), {
      name: 'RangeError',
      message: 'Expected `size` to be a positive integer (bytes), got `0` (number).',
    });
    assert.throws(() => new SharedMemory({ create: true, size: -1 }), RangeError);
    assert.throws(() => new SharedMemory({ create: true, size: 1.5 }), RangeError);
    assert.throws(() => new SharedMemory({ create: true }), {
      name: 'TypeError',
      message: 'Expected `size` to be a positive integer (bytes), got `undefined` (undefined).',
    });
    assert.throws(() => new SharedMemory({ create: true, size: '8' as never }), TypeError);
    assert.throws(() => new SharedMemory({ name: 'a/b', create: true, size: 8 }), {
      name: 'RangeError',
      message: /Expected `name` to be a segment name/,
    });
    assert.throws(() => new SharedMemory({ name: '', create: true, size: 8 }), RangeError);
    assert.throws(() => new SharedMemory({}), { name: 'TypeError', message: /Expected `name` to open an existing segment/ });
    assert.throws(() => new SharedMemory(null as never), TypeError);
    const shm = new SharedMemory({ create: true, size: 8 });
    try {
      assert.throws(() => new SharedMemory({ name: shm.name, size: 9 }), {
        name: 'RangeError',
        message: "Expected `size` to be at most the segment's size, 8, got `9` (number).",
      });
    } finally {
      shm.close();
      shm.unlink();
    }
  });

  it('close() detaches: buf throws afterwards; views taken before stay valid; close twice is fine', () => {
    const shm = new SharedMemory({ create: true, size: 16 });
    const view = shm.buf;
    shm.close();
    shm.close();
    assert.equal(shm.closed, true);
    assert.throws(() => shm.buf, ProcessStateError);
    view[0] = 1; // still mapped until collected: never a crash
    assert.equal(view[0], 1);
    shm.unlink();
  });

  it('closes with `using`', () => {
    let outer: SharedMemory;
    {
      using shm = new SharedMemory({ create: true, size: 16 });
      outer = shm;
      shm.unlink();
    }
    assert.equal(outer.closed, true);
  });
});
