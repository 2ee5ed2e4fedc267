// One long process, used the ordinary way for a while (Pipes with children, 16 MiB messages,
// Queues with several producers and consumers, shared memory, children of every start method,
// ends dropped without close() and collected), must still start children of every method, and
// open fresh Pipes, afterwards. An fd closed while libuv still watched it broke exactly that:
// the next watch on the reused fd number threw `EEXIST: uv_poll_init` (issue 15).
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, it } from 'node:test';
import { getContext, Pipe, SharedMemory, type Connection, type StartMethod } from '../../src/index.ts';
import { sayPid, useEverything } from '../fixtures/process/churn-targets.ts';
import { echoBytes } from '../fixtures/connection/targets.ts';
import { collect, produceTagged } from '../fixtures/queues/targets.ts';
import { testedMethods, track } from '../helpers.ts';

// A full collection, and a turn of the loop for the FinalizationRegistry callbacks it queued.
const gc: () => void = (globalThis as { gc?: () => void }).gc ?? (setFlagsFromString('--expose-gc'), runInNewContext('gc') as () => void);
async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 2; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// A Pipe used once in this process and dropped without close(): its ends are collected.
async function roundTripAndDrop(): Promise<void> {
  const [a, b] = Pipe();
  const got = a.recv();
  await new Promise((resolve) => setImmediate(resolve)); // the receive waits on the fd
  await b.send('ping');
  assert.equal(await got, 'ping');
  const back = b.recvBytes();
  await a.sendBytes(Buffer.alloc(256 * 1024, 1)); // by the socket
  assert.equal((await back).length, 256 * 1024);
}

// One child of `method` given a Pipe end, a Queue, a Value and a SharedMemory; the parent's ends
// of the Pipe are dropped, not closed.
async function useEverythingWith(method: StartMethod, id: number): Promise<void> {
  const ctx = getContext(method);
  const [mine, theirs] = Pipe();
  const queue = new ctx.Queue<number>();
  const counter = new ctx.Value('i32', 0);
  const memory = new SharedMemory({ create: true, size: 4096 });
  try {
    const p = track(new ctx.Process({ target: useEverything, args: [theirs, queue, counter, memory, id] }));
    p.start();
    theirs.close();
    await mine.send({ id });
    assert.deepEqual(await mine.recv(), { id });
    mine.close();
    assert.equal(await queue.get(), id);
    await p.join();
    assert.equal(p.exitCode, 0);
    assert.equal(counter.value, 1);
    assert.equal((memory.buf as Uint8Array)[0], id);
  } finally {
    memory.close();
    memory.unlink();
  }
}

describe('one long process (issue 15)', () => {
  it('churns Pipes, Queues, shared memory and children of every start method, then starts children and opens Pipes again', async () => {
    // The sequence: a Pipe echo child, a 16 MiB echo, a spawn-context Queue 4 → 2.
    {
      const [a, b] = Pipe();
      const p = track(new (getContext('spawn').Process)({ target: echoBytes, args: [b] }));
      p.start();
      b.close();
      const big = Buffer.alloc(16 * 1024 * 1024, 7);
      const sent = a.sendBytes(big);
      assert.equal((await a.recvBytes()).length, big.length);
      await sent;
      a.close();
      await p.join();
      assert.equal(p.exitCode, 0);
    }
    {
      const ctx = getContext('spawn');
      const q = new ctx.Queue<[number, number] | null>();
      const out = new ctx.Queue<[number, number][]>();
      const producers = [0, 1, 2, 3].map((id) => track(new ctx.Process({ target: produceTagged, args: [q, id, 100] })));
      const consumers = [0, 1].map(() => track(new ctx.Process({ target: collect, args: [q, out] })));
      for (const p of [...producers, ...consumers]) p.start();
      for (const p of producers) await p.join();
      await q.put(null);
      await q.put(null);
      assert.equal([await out.get(), await out.get()].flat().length, 400);
      for (const p of consumers) await p.join();
    }
    for (let round = 0; round < 2; round++) {
      for (const [index, method] of testedMethods().entries()) await useEverythingWith(method, 10 * round + index + 1);
      for (let i = 0; i < 4; i++) await roundTripAndDrop();
      await collectGarbage();
    }
    // Again: fresh Pipes take the fd numbers the collected ones freed, each with a receive waiting.
    const fresh: [Connection, Connection][] = Array.from({ length: 12 }, () => Pipe());
    const waiting = fresh.map(([a]) => a.recv());
    await new Promise((resolve) => setImmediate(resolve));
    for (const [, b] of fresh) await b.send('again');
    assert.deepEqual(
      await Promise.all(waiting),
      fresh.map(() => 'again'),
    );
    for (const [a, b] of fresh) {
      a.close();
      b.close();
    }
    for (const method of testedMethods()) {
      const [mine, theirs] = Pipe();
      const p = track(new (getContext(method).Process)({ target: sayPid, args: [theirs] }));
      p.start();
      theirs.close();
      assert.equal(await mine.recv(), p.pid);
      mine.close();
      await p.join();
      assert.equal(p.exitCode, 0, `${method} child`);
    }
  });
});
