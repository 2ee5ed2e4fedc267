// AbortSignal on the Connection calls that wait (poll, recv, send) and on wait(): each rejects
// with the signal's own reason, and the connection stays usable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pipe, TimeoutError, wait } from '../../src/index.ts';

const isAbort = (error: unknown) => error instanceof DOMException && error.name === 'AbortError';

describe('AbortSignal on a Connection', () => {
  it('poll({ signal }) rejects with the reason when aborted; a later message is still received', async () => {
    const [a, b] = Pipe();
    const controller = new AbortController();
    const polling = b.poll({ signal: controller.signal });
    controller.abort();
    await assert.rejects(polling, isAbort);
    await assert.rejects(b.poll({ signal: AbortSignal.abort() }), isAbort);
    assert.equal(await b.poll(0), false);
    assert.equal(await b.poll({ timeoutMs: 10 }), false);
    await a.send('after');
    assert.equal(await b.poll({ signal: new AbortController().signal }), true);
    assert.equal(await b.recv(), 'after');
    await assert.rejects(b.poll({ signal: 'no' as never }), {
      name: 'TypeError',
      message: 'Expected `signal` to be an AbortSignal, got `"no"` (string).',
    });
    a.close();
    b.close();
  });

  it('recv({ signal }) rejects with the reason (AbortSignal.timeout gives its TimeoutError DOMException)', async () => {
    const [a, b] = Pipe();
    await assert.rejects(
      b.recv({ signal: AbortSignal.timeout(10) }),
      (error: unknown) => error instanceof DOMException && error.name === 'TimeoutError',
    );
    await a.send(1);
    assert.equal(await b.recv(), 1);
    a.close();
    b.close();
  });

  it('the two timeouts are told apart on purpose and share their name: timeoutMs gives multiproc TimeoutError, AbortSignal.timeout() its DOMException', async () => {
    const [a, b] = Pipe();
    const byOption = await b.recv({ timeoutMs: 5 }).then(
      () => null,
      (error: unknown) => error,
    );
    const bySignal = await b.recv({ signal: AbortSignal.timeout(5) }).then(
      () => null,
      (error: unknown) => error,
    );
    assert.ok(byOption instanceof TimeoutError);
    assert.ok(bySignal instanceof DOMException && !(bySignal instanceof TimeoutError));
    assert.equal((byOption as Error).name, 'TimeoutError');
    assert.equal((bySignal as Error).name, 'TimeoutError', 'one check catches both: error.name === "TimeoutError"');
    a.close();
    b.close();
  });

  it('send with an aborted signal sends nothing; one aborted while the write waits stops the waiting, the message still arrives whole', async () => {
    const [a, b] = Pipe();
    await assert.rejects(a.send('never', { signal: AbortSignal.abort() }), isAbort);
    await assert.rejects(a.sendBytes(Buffer.alloc(1), 0, 1, { signal: AbortSignal.abort() }), isAbort);
    assert.equal(await b.poll(0), false, 'nothing was sent');
    const controller = new AbortController();
    const big = Buffer.alloc(8 << 20, 3); // more than the socket holds: the write waits for the reader
    const sending = a.sendBytes(big, 0, undefined, { signal: controller.signal });
    controller.abort();
    await assert.rejects(sending, isAbort);
    const got = await b.recvBytes();
    assert.equal(got.length, big.length);
    assert.ok(got.equals(big));
    await a.send('next', { signal: new AbortController().signal });
    assert.equal(await b.recv(), 'next');
    a.close();
    b.close();
  });

  it('wait(objects, { signal }) rejects with the reason; a number is still the timeout', async () => {
    const [a, b] = Pipe();
    const controller = new AbortController();
    const waiting = wait([b], { signal: controller.signal });
    controller.abort();
    await assert.rejects(waiting, isAbort);
    await assert.rejects(wait([b], { signal: AbortSignal.abort() }), isAbort);
    assert.deepEqual(await wait([b], 5), []);
    assert.deepEqual(await wait([b], { timeoutMs: 5 }), []);
    await a.send(1);
    assert.deepEqual(await wait([b], { signal: new AbortController().signal }), [b]);
    a.close();
    b.close();
  });
});
