// Library-made shared memory (RawArray/Value arenas, lock segments, a Pipe's lane) never appears in
// /dev/shm: it is a memfd, so a process killed at any moment cannot leave a file there. Watched
// with inotify on /dev/shm; a file this test creates afterwards marks the end of the events.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Lock, Pipe, RawArray, Semaphore, Value } from '../../src/index.ts';
import { loadNative } from '../../src/native/binding.ts';

const skip = loadNative() === null ? 'the native addon is not built' : !existsSync('/dev/shm') ? 'no /dev/shm here' : false;

describe('anonymous shared memory', { skip }, () => {
  it('creates nothing in /dev/shm for arenas, lock segments and a Pipe lane', async () => {
    const seen: string[] = [];
    const marker = `mp-test-marker-${process.pid}-${Date.now()}`;
    let markerSeen: () => void = () => {};
    const markerArrived = new Promise<void>((resolve) => (markerSeen = resolve));
    const watcher = watch('/dev/shm', (_event, name) => {
      if (name === null) return;
      if (name === marker) markerSeen();
      else seen.push(name);
    });
    const made: unknown[] = [];
    try {
      made.push(new Value('i32', 7), RawArray('u8', 200_000), new Lock(), new Semaphore(2));
      const [a, b] = Pipe();
      a.send({ small: 1 });
      assert.deepEqual(await b.recv(), { small: 1 });
      a.close();
      b.close();
      writeFileSync(join('/dev/shm', marker), '');
      await markerArrived;
    } finally {
      watcher.close();
      rmSync(join('/dev/shm', marker), { force: true });
    }
    assert.ok(made.every((object) => object !== undefined)); // kept alive until here
    assert.deepEqual(
      seen.filter((name) => name.startsWith('mp-')),
      [],
    );
  });

  it('maps the memory as a named memfd (seen in /proc/self/maps)', () => {
    const value = new Value('f64', 1.5);
    const lock = new Lock();
    const maps = readFileSync('/proc/self/maps', 'utf8');
    assert.match(maps, /\/memfd:mp-arena-[0-9a-f]+ \(deleted\)/);
    assert.match(maps, /\/memfd:mp-sync-\d+-\d+-\w+ \(deleted\)/);
    assert.equal(value.value, 1.5);
    assert.equal(lock.acquireSync(), true);
    lock.release();
  });
});
