// Pipe within one process: EOF and close (pending and later receives, broken pipe, use after
// close, async iteration to the end).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionClosedError, Pipe } from '../../src/index.ts';
import { kNeverSpin } from '../../src/connection/connection.ts';
import { skip } from './pipe-helpers.ts';

describe('Pipe (in one process): end and close', { skip }, () => {
  // The peer closed with a frame of ours unread: the socket reports ECONNRESET (EPOLLERR) along
  // with what the peer sent. The receive that waits after that frame must still see the end (a
  // Pool map hung when its SIGKILLed worker left a wake-up unread; issue 15). No spinning (as a
  // Pool's ends): the wait is on the loop's watcher.
  it('a receive after the peer closed with our frame unread gets ConnectionClosedError', async () => {
    const [a, b] = Pipe();
    a[kNeverSpin]();
    try {
      const first = a.recv();
      await a.sendBytes(Buffer.alloc(8192, 1)); // longer than the lane takes: on the socket, never read by b
      await b.send('last');
      b.close();
      assert.equal(await first, 'last');
      let timer: NodeJS.Timeout | undefined;
      const second = a.recv().then(
        () => 'a message',
        (error: Error) => error.name,
      );
      const outcome = await Promise.race([second, new Promise((resolve) => (timer = setTimeout(resolve, 10_000, 'still waiting')))]);
      clearTimeout(timer);
      assert.equal(outcome, 'ConnectionClosedError');
    } finally {
      a.close();
    }
  });

  it('rejects a pending and every later recv once the other end closes (never hangs)', async () => {
    const [a, b] = Pipe();
    const pending = b.recv();
    const pendingBytes = b.recvBytes();
    a.close();
    for (const promise of [pending, pendingBytes, b.recv(), b.recvBytes()]) {
      await assert.rejects(
        promise,
        (error: unknown) => error instanceof ConnectionClosedError && error.closedBy === 'peer' && /EOF/.test(error.message),
      );
    }
    assert.equal(await b.poll(), true, 'poll says ready at EOF (recv would not wait)');
    b.close();
  });

  it('delivers what was sent before the other end closed, then ends async iteration', async () => {
    const [a, b] = Pipe();
    void a.send(1);
    void a.send(2);
    a.close(); // sends already passed to send() are written first
    const seen: unknown[] = [];
    for await (const value of b) seen.push(value);
    assert.deepEqual(seen, [1, 2]);
    b.close();
  });

  it('rejects a broken pipe on send with ConnectionClosedError', async () => {
    const [a, b] = Pipe();
    b.close();
    await assert.rejects(
      (async () => {
        for (let i = 0; i < 100; i++) await a.send(i); // the first may still be accepted by the kernel
      })(),
      (error: unknown) => error instanceof ConnectionClosedError && error.closedBy === 'peer',
    );
    a.close();
  });

  it('fails every use after close() with ConnectionClosedError (closedBy self), pending receives too', async () => {
    const [a, b] = Pipe();
    const pending = a.recv();
    a.close();
    assert.equal(a.closed, true);
    a.close(); // twice is fine
    const isSelf = (error: unknown) => error instanceof ConnectionClosedError && error.closedBy === 'self';
    await assert.rejects(pending, isSelf);
    await assert.rejects(a.recv(), isSelf);
    assert.throws(() => a.send(1), isSelf);
    assert.throws(() => a.sendBytes(Buffer.alloc(1)), isSelf);
    await assert.rejects(a.poll(), isSelf);
    assert.throws(() => a.fileno(), isSelf);
    b.close();
  });
});
