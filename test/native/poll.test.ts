// pollReadable (blocking poll) and watchReadable (a uv_poll on Node's loop) through the addon.
import assert from 'node:assert/strict';
import { readSync, writeSync } from 'node:fs';
import { test } from 'node:test';
import { loadNative } from '../../src/native/binding.ts';
import { runNode } from '../fixtures/os-helpers.ts';

const native = loadNative()!;

test('pollReadable returns the readable and hung-up fds, or [] on timeout', () => {
  const [r1, w1] = native.pipe();
  const [r2, w2] = native.pipe();
  try {
    assert.deepEqual(native.pollReadable([r1, r2], 0), []);
    assert.deepEqual(native.pollReadable([r1, r2], 5), []);
    writeSync(w2, 'x');
    assert.deepEqual(native.pollReadable([r1, r2], -1), [r2]);
    native.close(w1);
    assert.deepEqual(native.pollReadable([r1, r2], -1), [r1, r2], 'HUP counts');
    assert.deepEqual(native.pollReadable([], 0), []);
  } finally {
    for (const fd of [r1, r2, w2]) native.close(fd);
  }
  assert.throws(() => native.pollReadable([r1], 0), { code: 'EBADF', syscall: 'poll' });
});

test('watchReadable calls back when the fd becomes readable, until closed', async () => {
  const [r, w] = native.pipe();
  let calls = 0;
  const buf = Buffer.alloc(8);
  let watcher: ReturnType<typeof native.watchReadable> | undefined;
  const seen = await new Promise<string>((resolve) => {
    watcher = native.watchReadable(r, function (this: unknown) {
      calls++;
      resolve(buf.toString('utf8', 0, readSync(r, buf)));
    });
    setImmediate(() => writeSync(w, 'ping'));
  });
  assert.equal(seen, 'ping');
  watcher!.close();
  watcher!.close(); // idempotent
  watcher!.ref();
  watcher!.unref();
  writeSync(w, 'more');
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(calls, 1);
  native.close(r);
  native.close(w);
});

test("a watcher keeps the loop alive; an unref'd one does not; a throwing callback is an uncaught exception", async () => {
  const addon = new URL('../../build/Release/multiproc.node', import.meta.url).pathname;
  const prelude = `const n = require(${JSON.stringify(addon)}); const [r, w] = n.pipe();`;
  const unrefd = await runNode(['-e', `${prelude} n.watchReadable(r, () => {}).unref(); console.log('done')`], { timeoutMs: 10_000 });
  assert.equal(unrefd.code, 0);
  assert.equal(unrefd.stdout, 'done\n');
  const refd = await runNode(
    [
      '-e',
      `${prelude} const wt = n.watchReadable(r, () => { wt.close(); console.log('called'); }); setTimeout(() => require('fs').writeSync(w, 'x'), 1);`,
    ],
    { timeoutMs: 10_000 },
  );
  assert.equal(refd.code, 0);
  assert.equal(refd.stdout, 'called\n');
  const throws = await runNode(
    [
      '-e',
      `${prelude} process.on('uncaughtException', (e) => { console.log('caught', e.message); process.exit(0); }); n.watchReadable(r, () => { throw new Error('boom'); }); require('fs').writeSync(w, 'x');`,
    ],
    { timeoutMs: 10_000 },
  );
  assert.equal(throws.stdout, 'caught boom\n');
  assert.equal(throws.code, 0);
});

test('FdWatcher methods refuse a foreign receiver', () => {
  const [r, w] = native.pipe();
  const watcher = native.watchReadable(r, () => {});
  try {
    assert.throws(() => watcher.close.call({}), TypeError);
  } finally {
    watcher.close();
    native.close(r);
    native.close(w);
  }
});

test('close(fd) closes the watcher on it first: the reused fd number can be watched again (issue 15)', async () => {
  const [r, w] = native.pipe();
  let stale = 0;
  const old = native.watchReadable(r, () => stale++);
  native.close(r); // without close(), libuv would keep `r` registered
  const [again, w2] = native.pipe(); // takes the lowest free number: `r`'s
  assert.equal(again, r);
  let fresh = 0;
  const watcher = native.watchReadable(again, () => fresh++); // threw EEXIST: uv_poll_init
  try {
    writeSync(w2, 'x');
    while (fresh === 0) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(stale, 0, 'the closed watcher never calls back');
    old.close(); // already closed: nothing happens
    old.ref();
  } finally {
    watcher.close();
    for (const fd of [again, w, w2]) native.close(fd);
  }
});

test('dup2 onto a watched fd closes the watcher on it first', () => {
  const [r, w] = native.pipe();
  const [r2, w2] = native.pipe();
  const old = native.watchReadable(r, () => undefined);
  native.dup2(r2, r);
  const watcher = native.watchReadable(r, () => undefined);
  watcher.close();
  old.close();
  for (const fd of [r, w, r2, w2]) native.close(fd);
});

// A socket whose peer closed with bytes unread gets ECONNRESET (EPOLLERR): libuv then stops the
// poll handle by itself (uv__poll_io) and reports UV_EBADF. The watcher must stay open until its
// owner closes it: a Connection that read the data delivered with the error and waits again was
// never called back (a Pool map hung after its worker was SIGKILLed; issue 15).
test('a watcher stays open after an error (a peer closed with unread bytes): it calls back until closed', async () => {
  const [a, b] = native.socketpair();
  const buf = Buffer.alloc(16);
  let calls = 0;
  const reads: number[] = [];
  let second!: () => void;
  const calledTwice = new Promise<void>((resolve) => (second = resolve));
  const watcher = native.watchReadable(a, () => {
    calls++;
    if (calls === 1)
      reads.push(native.tryRead(a, buf, 0, 4, 0)); // the data only: the error is still pending
    else second();
  });
  try {
    writeSync(a, 'unread'); // stays in b's receive queue: closing b resets a
    writeSync(b, 'data');
    native.close(b);
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      calledTwice.then(() => 'called again'),
      new Promise((resolve) => (timer = setTimeout(resolve, 10_000, 'never called again'))),
    ]);
    clearTimeout(timer);
    assert.equal(outcome, 'called again');
    assert.deepEqual(reads, [4]);
    assert.equal(native.tryRead(a, buf, 0, 16, 0), 0, 'then the reset reads as the end');
  } finally {
    watcher.close();
    native.close(a);
  }
});
