// Code a fork server runs once so that its children inherit it compiled and optimized: a
// --single-threaded child otherwise interprets, then compiles on its own main thread, the code it
// runs most (a fresh producer's first Queue.put() calls were many times slower than a warm one's;
// docs/DECISIONS.md, "Synchronization and queues"). Only what every child shares: the Queue's ring, codec and lock, over a
// SharedArrayBuffer private to this process (no shared memory segment, no file descriptor).
import { HEADER } from '../wire/queue-layout.ts';
import { Queue } from '../queues/queue.ts';

const ROUNDS = 3000;

/** Run the hot paths of multiproc's own objects a few thousand times, synchronously. */
export function warmUp(): void {
  const sab = new SharedArrayBuffer(HEADER + 4096);
  const queue = new Queue<unknown>(0, {}, { sab, i32: new Int32Array(sab), fd: -1, borrowed: true });
  const items: unknown[] = [0, 1.5, 'item', null, true];
  for (let i = 0; i < ROUNDS; i++) {
    queue.putNowait(i % 7 === 0 ? items[i % items.length] : i);
    queue.getNowait();
  }
  queue.close();
}
