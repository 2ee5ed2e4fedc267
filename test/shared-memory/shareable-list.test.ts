// ShareableList: Python's layout and semantics (fixed slots; number/string/bytes/bool/null),
// read and written by a Python process by name, and passed to children under every start method.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { getContext, Pipe, ShareableList } from '../../src/index.ts';
import { changeList } from '../fixtures/managers/targets.ts';
import { testedMethods } from '../helpers.ts';

const python = spawnSync('python3', ['-c', 'from multiprocessing import shared_memory'], { encoding: 'utf8' }).status === 0;

describe('ShareableList', () => {
  it('holds numbers, bigints, strings, bytes, booleans and null in fixed slots', () => {
    const list = new ShareableList([1, 2.5, 'héllo', new Uint8Array([1, 0, 2]), true, null, 2n ** 62n]);
    try {
      assert.equal(list.length, 7);
      assert.deepEqual(list.toArray(), [1, 2.5, 'héllo', new Uint8Array([1, 0, 2]), true, null, 2n ** 62n]);
      assert.equal(list.format, 'qd8s8sxxxxxxx?xxxxxx?xq');
      list.set(-1, false);
      list.set(0, 'abcdefg'); // a number's 8-byte slot takes a string of up to 8 bytes
      assert.equal(list.get(0), 'abcdefg');
      assert.throws(() => list.set(2, 'x'.repeat(9)), /exceeds the 8 bytes/);
      list.set(2, 'short');
      assert.equal(list.get(2), 'short');
      assert.equal(list.count(false), 1);
      assert.equal(list.index(null), 5);
      assert.throws(() => list.index(42), RangeError);
      assert.throws(() => list.get(7), RangeError);
      assert.throws(() => new ShareableList([{} as unknown as number]), /sequence\[0\]/);
      const again = new ShareableList(null, { name: list.shm.name });
      assert.deepEqual([...again], list.toArray());
      again.shm.close();
    } finally {
      list.shm.close();
      list.shm.unlink();
    }
  });

  it('is read and written by Python by name (the same layout)', { skip: !python && 'python3 is not installed' }, () => {
    const list = new ShareableList([42, -1.25, 'text', new Uint8Array([7, 8]), true, null]);
    try {
      const script = [
        'import sys',
        'from multiprocessing import shared_memory, resource_tracker',
        'sl = shared_memory.ShareableList(name=sys.argv[1])',
        'resource_tracker.unregister(sl.shm._name, "shared_memory")',
        'print(repr(list(sl)))',
        'sl[0] = 43; sl[2] = "py"; sl[5] = 3.5',
        'made = shared_memory.ShareableList([7, "seven", b"\\x07", False, None])',
        'resource_tracker.unregister(made.shm._name, "shared_memory")',
        'print(made.shm.name)',
      ].join('\n');
      const out = spawnSync('python3', ['-c', script, list.shm.name], { encoding: 'utf8' });
      assert.equal(out.status, 0, out.stderr);
      const [seen, madeName] = out.stdout.trim().split('\n');
      assert.equal(seen, "[42, -1.25, 'text', b'\\x07\\x08', True, None]");
      assert.deepEqual(list.toArray(), [43, -1.25, 'py', new Uint8Array([7, 8]), true, 3.5]);
      const made = new ShareableList(null, { name: madeName as string });
      assert.deepEqual(made.toArray(), [7, 'seven', new Uint8Array([7]), false, null]);
      made.shm.close();
      made.shm.unlink();
    } finally {
      list.shm.close();
      list.shm.unlink();
    }
  });

  for (const method of testedMethods()) {
    it(`travels to a child (${method}) as the same memory`, async () => {
      const list = new ShareableList([1, 'parent........']);
      const [mine, theirs] = Pipe();
      try {
        const child = new (getContext(method).Process)({ target: changeList, args: [list, theirs] });
        child.start();
        assert.deepEqual(await mine.recv(), [2, 'from child']);
        await child.join();
        assert.equal(child.exitCode, 0);
        assert.deepEqual(list.toArray(), [2, 'from child']);
      } finally {
        mine.close();
        theirs.close();
        list.shm.close();
        list.shm.unlink();
      }
    });
  }
});
