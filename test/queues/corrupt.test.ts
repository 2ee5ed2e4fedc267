// A Queue whose shared memory something else wrote to: get() and put() refuse with FrameError
// (never an item read from outside the ring, never a write outside it), and the queue's mutex is
// released each time, so no call hangs. (bench/soak/fuzz-queue.ts fuzzes the ring itself.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Queue } from '../../src/index.ts';
import { kReduce } from '../../src/reduction.ts';
import { openSegment } from '../../src/sync/segment.ts';
import { HEAD, HEADER, USED } from '../../src/wire/queue-layout.ts';

const MUTEX = 0;

/** The queue's ring words, mapped a second time (as another process would see them). */
function wordsOf(queue: Queue<unknown>): Int32Array {
  const fd = (queue as unknown as { [kReduce](): { fds: number[] } })[kReduce]().fds[0];
  return openSegment(fd, 'the test').i32;
}

describe('a Queue with corrupt shared memory', () => {
  for (const [what, word, value] of [
    ['a head outside the buffer', HEAD, -8],
    ['more bytes used than the buffer has', USED, 0x7fff_fff0],
  ] as const) {
    it(`${what}: FrameError (from put() too when the used count is impossible), and the queue stays unlocked`, async () => {
      const queue = new Queue<string>(0, { capacityBytes: 4096 });
      await queue.put('first');
      const words = wordsOf(queue);
      words[word] = value;
      await assert.rejects(queue.get({ timeoutMs: 2000 }), { name: 'FrameError', message: /Queue's shared memory is corrupt/ });
      assert.equal(Atomics.load(words, MUTEX), 0, 'the mutex was released');
      assert.throws(() => queue.getNowait(), { name: 'FrameError' });
      if (word === USED) assert.throws(() => queue.putNowait('second'), { name: 'FrameError' });
      assert.equal(Atomics.load(words, MUTEX), 0);
      queue.close();
    });
  }

  it('an item whose bytes are not an encoding: FrameError', async () => {
    const queue = new Queue<number>(0, { capacityBytes: 4096 });
    await queue.put(12345);
    const words = wordsOf(queue);
    const ring = new Uint8Array(words.buffer, HEADER);
    const head = words[HEAD] as number;
    ring[head + 4] = 7; // INT32, which takes 5 bytes: give it 9 (the frame is a float's)
    ring[head] = 9;
    words[USED] = 13;
    await assert.rejects(queue.get(), { name: 'FrameError', message: /could not be decoded/ });
    queue.close();
  });
});
