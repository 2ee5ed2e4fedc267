// Pipe within one process: poll(), timeouts and abort signals, and a receive that times out in
// the middle of a message.
import assert from 'node:assert/strict';
import { writeSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Pipe, TimeoutError } from '../../src/index.ts';
import { closing, skip } from './pipe-helpers.ts';

describe('Pipe (in one process): poll, timeouts, signals', { skip }, () => {
  it('poll(): false with nothing there, true when a message arrives, waits up to timeoutMs', async () => {
    using ends = closing(Pipe());
    const [a, b] = ends.pair;
    assert.equal(await b.poll(), false);
    assert.equal(await b.poll(20), false);
    const later = b.poll(10_000);
    await a.send('x');
    assert.equal(await later, true);
    assert.equal(await b.poll(), true);
    assert.equal(b.pollSync(), true);
    assert.equal(await b.recv(), 'x');
    assert.equal(b.pollSync(), false);
    await assert.rejects(b.poll(-1), RangeError);
  });

  it('recv({ timeoutMs }) rejects with TimeoutError; recv({ signal }) with the abort reason; nothing is lost', async () => {
    using ends = closing(Pipe());
    const [a, b] = ends.pair;
    await assert.rejects(b.recv({ timeoutMs: 10 }), TimeoutError);
    const controller = new AbortController();
    const aborted = b.recv({ signal: controller.signal });
    controller.abort(new Error('stop'));
    await assert.rejects(aborted, { message: 'stop' });
    await assert.rejects(b.recv({ signal: AbortSignal.abort(new Error('already')) }), { message: 'already' });
    await a.send('after');
    assert.equal(await b.recv({ timeoutMs: 10_000 }), 'after');
  });

  it('a receive that times out in the middle of a message leaves the rest for the next one', async () => {
    using ends = closing(Pipe());
    const [, b] = ends.pair;
    const fd = ends.pair[0].fileno();
    const payload = Buffer.from('complete message');
    const header = Buffer.from([0, 0, 0, payload.length, 2]);
    writeSync(fd, Buffer.concat([header, payload.subarray(0, 4)]));
    await assert.rejects(b.recvBytes(undefined, { timeoutMs: 30 }), TimeoutError);
    writeSync(fd, payload.subarray(4));
    assert.equal(String(await b.recvBytes()), 'complete message');
  });

  it('a recvBytesInto that times out in the middle of a message hands the part it holds to the next receive', async () => {
    using ends = closing(Pipe());
    const [, b] = ends.pair;
    const fd = ends.pair[0].fileno();
    const payload = Buffer.alloc(100_000, 3);
    const header = Buffer.from([0, 1, 0x86, 0xa0, 2]); // 100,000 bytes
    writeSync(fd, Buffer.concat([header, payload.subarray(0, 1000)]));
    const target = Buffer.alloc(200_000);
    await assert.rejects(b.recvBytesInto(target, 0, { timeoutMs: 30 }), TimeoutError);
    target.fill(0); // the caller may reuse its buffer at once
    const rest = b.recvBytes();
    writeSync(fd, payload.subarray(1000));
    assert.ok((await rest).equals(payload));
  });
});
