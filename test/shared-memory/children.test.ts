// Shared memory passed to children under every start method: SharedMemory (by fd, and by name),
// RawArray and views of shared memory (the same memory, not a copy), Atomics across processes,
// Value and SharedArray with their locks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getContext, Lock, Pipe, RawArray, SharedArray, SharedMemory, Value } from '../../src/index.ts';
import { loadNative } from '../../src/native/binding.ts';
import {
  addOne,
  atomicIncrement,
  describeViews,
  lockedIncrement,
  lockedIncrementAsync,
  readByName,
  tryLocks,
  writeText,
} from '../fixtures/shared-memory/targets.ts';
import { testedMethods, track } from '../helpers.ts';

const skip = loadNative() === null ? 'the native addon is not built' : false;

for (const method of testedMethods()) {
  const { Process } = getContext(method);

  describe(`shared memory passed to a child (${method})`, { skip }, () => {
    it('a SharedMemory arrives attached to the same memory; a child can also attach by name', async () => {
      const shm = new SharedMemory({ create: true, size: 4096 });
      try {
        const [report, childEnd] = Pipe();
        const p = track(new Process({ target: writeText, args: [shm, 'written by the child', childEnd] }));
        p.start();
        childEnd.close();
        assert.deepEqual(await report.recv(), { name: shm.name, size: 4096, length: 4096 });
        await p.join();
        assert.equal(p.exitCode, 0);
        assert.equal(Buffer.from(shm.buf.subarray(0, 20)).toString(), 'written by the child');
        report.close();

        const [report2, childEnd2] = Pipe();
        const q = track(new Process({ target: readByName, args: [shm.name, 7, childEnd2] }));
        q.start();
        childEnd2.close();
        assert.equal(await report2.recv(), 'written');
        await q.join();
        report2.close();
      } finally {
        shm.close();
        shm.unlink();
      }
    });

    it('a RawArray arrives as a typed array over the same memory', async () => {
      const array = RawArray('f64', [1, 2, 3]);
      const [done, childEnd] = Pipe();
      const p = track(new Process({ target: addOne, args: [array, childEnd] }));
      p.start();
      childEnd.close();
      assert.equal(await done.recv(), 'done');
      assert.deepEqual([...array], [2, 3, 4]);
      await p.join();
      assert.equal(p.exitCode, 0);
      done.close();
    });

    it('views of shared memory (subarray, DataView, a SharedMemory buffer, the SharedArrayBuffer) stay shared', async () => {
      const raw = RawArray('u8', 64);
      const shm = new SharedMemory({ create: true, size: 32 });
      try {
        const views = {
          sub: raw.subarray(8, 16),
          data: new DataView(raw.buffer, raw.byteOffset + 32, 8),
          overShm: new Uint16Array(shm.buf.buffer, 4, 2),
          sab: shm.buf.buffer,
        };
        const [report, childEnd] = Pipe();
        const p = track(new Process({ target: describeViews, args: [views, childEnd] }));
        p.start();
        childEnd.close();
        const seen = await report.recv<Record<string, { type: string; byteLength: number; shared?: boolean }>>();
        assert.deepEqual(seen, {
          sub: { type: 'Uint8Array', byteLength: 8, shared: true },
          data: { type: 'DataView', byteLength: 8, shared: true },
          overShm: { type: 'Uint16Array', byteLength: 4, shared: true },
          sab: { type: 'SharedArrayBuffer', byteLength: 32 },
        });
        await p.join();
        assert.deepEqual([...raw.subarray(6, 18)], [0, 0, 7, 7, 7, 7, 7, 7, 7, 7, 0, 0]);
        assert.deepEqual([...raw.subarray(32, 40)], [7, 7, 7, 7, 7, 7, 7, 7]);
        assert.deepEqual([...shm.buf.subarray(0, 9)], [99, 0, 0, 0, 7, 7, 7, 7, 0]);
        report.close();
      } finally {
        shm.close();
        shm.unlink();
      }
    });

    it('Atomics.add from two children and the parent count exactly', async () => {
      const counter = RawArray('i32', 1);
      const times = 20_000;
      const children = [0, 1].map(() => track(new Process({ target: atomicIncrement, args: [counter, times] })));
      for (const p of children) p.start();
      atomicIncrement(counter, times);
      await Promise.all(children.map((p) => p.join()));
      assert.deepEqual(
        children.map((p) => p.exitCode),
        [0, 0],
      );
      assert.equal(Atomics.load(counter, 0), 3 * times);
    });

    it('Value and SharedArray arrive with the same memory and the same lock (read-modify-write under it)', async () => {
      const value = new Value('i32', 0);
      const array = new SharedArray('f64', [0, 0]);
      const times = 2000;
      const children = [
        track(new Process({ target: lockedIncrement, args: [value, times] })),
        track(new Process({ target: lockedIncrement, args: [value, times] })),
        track(new Process({ target: lockedIncrementAsync, args: [array, times] })),
      ];
      for (const p of children) p.start();
      await lockedIncrementAsync(array, times);
      await Promise.all(children.map((p) => p.join()));
      assert.deepEqual(
        children.map((p) => p.exitCode),
        [0, 0, 0],
      );
      assert.equal(value.value, 2 * times);
      assert.equal(array.array[0], 2 * times);
    });

    it('a Value and a SharedArray given one Lock arrive guarded by that same lock', async () => {
      const lock = new Lock();
      const value = new Value('i32', 0, { lock });
      const array = new SharedArray('f64', [0, 0], { lock });
      // Held by the parent: the child's getLock() of either cannot take it.
      const [mine, theirs] = Pipe();
      assert.equal(lock.acquireSync(), true);
      const probe = track(new Process({ target: tryLocks, args: [value, array, theirs] }));
      probe.start();
      assert.deepEqual(await mine.recv(), [false, false]);
      lock.release();
      await probe.join();
      mine.close();
      theirs.close();
      // Two children race on the one Value under it.
      const times = 2000;
      const children = [
        track(new Process({ target: lockedIncrement, args: [value, times] })),
        track(new Process({ target: lockedIncrement, args: [value, times] })),
      ];
      for (const p of children) p.start();
      await Promise.all(children.map((p) => p.join()));
      assert.deepEqual([probe.exitCode, ...children.map((p) => p.exitCode)], [0, 0, 0]);
      assert.equal(value.value, 2 * times);
    });
  });
}
