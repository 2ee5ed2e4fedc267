// socketpair/pipe/SCM_RIGHTS/close/dup/dup2/fd flags through the addon.
import assert from 'node:assert/strict';
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadNative } from '../../src/native/binding.ts';

const native = loadNative()!;

function fdFlags(fd: number): number {
  const line = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('flags:'));
  return parseInt(line!.split(/\s+/)[1]!, 8);
}
const O_CLOEXEC = 0o2000000;
const O_NONBLOCK = 0o4000;

test('socketpair + sendFds/recvFds passes a real file descriptor', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'multiproc-fd-'));
  const file = path.join(dir, 'passed.txt');
  const [a, b] = native.socketpair();
  const fd = openSync(file, 'w');
  try {
    assert.ok(fdFlags(a) & O_CLOEXEC);
    assert.equal(native.sendFds(a, Buffer.from('hello'), [fd]), 5);
    const got = native.recvFds(b, 64);
    assert.ok(got);
    assert.equal(got.data.toString(), 'hello');
    assert.equal(got.fds.length, 1);
    const received = got.fds[0]!;
    assert.notEqual(received, fd);
    assert.ok(fdFlags(received) & O_CLOEXEC, 'MSG_CMSG_CLOEXEC');
    assert.equal(fstatSync(received).ino, fstatSync(fd).ino);
    writeSync(received, 'through the passed fd\n');
    native.close(received);
    assert.equal(readFileSync(file, 'utf8'), 'through the passed fd\n');

    // bytes without fds, several fds at once
    assert.equal(native.sendFds(a, new Uint8Array([1, 2, 3]), []), 3);
    assert.deepEqual([...native.recvFds(b, 64)!.data], [1, 2, 3]);
    native.sendFds(a, Buffer.from('x'), [fd, fd, fd]);
    const three = native.recvFds(b, 64)!;
    assert.equal(three.fds.length, 3);
    for (const f of three.fds) native.close(f);

    // non-blocking: nothing to read is null; a full socket throws EAGAIN
    native.setNonBlocking(b, true);
    assert.equal(native.recvFds(b, 64), null);
    native.setNonBlocking(a, true);
    const chunk = Buffer.alloc(65536);
    assert.throws(
      () => {
        for (let i = 0; i < 10_000; i++) native.sendFds(a, chunk, []);
      },
      { code: 'EAGAIN', syscall: 'sendmsg', message: 'sendmsg: Resource temporarily unavailable' },
    );
    while (native.recvFds(b, 1 << 20) !== null);

    // EOF is empty data
    native.close(a);
    const eof = native.recvFds(b, 64);
    assert.ok(eof);
    assert.equal(eof.data.length, 0);
    assert.deepEqual(eof.fds, []);
  } finally {
    closeSync(fd);
    native.close(b);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sendFds refuses fds without a byte to carry them, and more than 253', () => {
  const [a, b] = native.socketpair();
  try {
    assert.throws(() => native.sendFds(a, new Uint8Array(0), [0]), RangeError);
    assert.throws(() => native.sendFds(a, Buffer.from('x'), new Array<number>(254).fill(0)), RangeError);
  } finally {
    native.close(a);
    native.close(b);
  }
});

test('tryRead: bytes, -1 when nothing is there (after spinning at least spinMicros), 0 at EOF', () => {
  const [a, b] = native.socketpair();
  native.setNonBlocking(a, true);
  const buf = Buffer.alloc(8);
  assert.equal(native.tryRead(a, buf, 0, 8, 0), -1, 'nothing there, no spin');
  const t0 = process.hrtime.bigint();
  assert.equal(native.tryRead(a, buf, 0, 8, 2000), -1, 'nothing came while it spun');
  assert.ok(process.hrtime.bigint() - t0 >= 2_000_000n, 'it kept trying for spinMicros');
  writeSync(b, 'abcdefghij');
  assert.equal(native.tryRead(a, buf, 2, 3, 1000), 3, 'at most length bytes, at offset');
  assert.equal(buf.toString('latin1', 2, 5), 'abc');
  assert.equal(native.tryRead(a, buf, 0, 8, 0), 7);
  assert.equal(buf.toString('latin1', 0, 7), 'defghij');
  native.close(b);
  assert.equal(native.tryRead(a, buf, 0, 8, 0), 0, 'EOF once the peer closed');
  native.close(a);
  assert.throws(() => native.tryRead(a, buf, 0, 8, 0), { code: 'EBADF' });
});

test('tryReadKeepingFds keeps the fds sent with the bytes, one set per sendmsg, in order; takeFds/dropFds', () => {
  const [a, b] = native.socketpair();
  const [p1, p2] = native.pipe();
  native.sendFds(b, Buffer.from('first'), [p1]);
  writeSync(b, 'plain');
  native.sendFds(b, Buffer.from('second'), [p2, p1]);
  const buf = Buffer.alloc(64);
  let text = '';
  for (let n; (n = native.tryReadKeepingFds(a, buf, 0, 64, 0)) > 0;) text += buf.toString('latin1', 0, n);
  assert.equal(text, 'firstplainsecond', 'every byte, whatever the reads');
  const first = native.takeFds(a);
  const second = native.takeFds(a);
  assert.equal(first?.length, 1);
  assert.equal(second?.length, 2);
  assert.equal(native.takeFds(a), null, 'two sets were sent');
  // The received fds are the same pipe: a write into the received write end comes out of p1.
  writeSync(second[0]!, 'x');
  const one = Buffer.alloc(1);
  assert.equal(readSync(p1, one), 1);
  assert.equal(one.toString(), 'x');
  for (const fd of [...first, ...second]) assert.ok(fdFlags(fd) & O_CLOEXEC, 'received close-on-exec');
  for (const fd of [...first, ...second]) native.close(fd);
  // dropFds closes what was kept and not taken.
  native.sendFds(b, Buffer.from('z'), [p2]);
  assert.equal(native.tryReadKeepingFds(a, buf, 0, 64, 0), 1);
  const before = fstatSync(p2).ino;
  native.dropFds(a);
  assert.equal(native.takeFds(a), null);
  assert.equal(fstatSync(p2).ino, before, 'the original stays open');
  for (const fd of [a, b, p1, p2]) native.close(fd);
});

test('tryRead never blocks, even on an fd left blocking: a socket and a pipe', () => {
  const [a, b] = native.socketpair();
  const [r, w] = native.pipe();
  const buf = Buffer.alloc(8);
  for (const [fd, other] of [
    [a, b],
    [r, w],
  ] as const) {
    native.setNonBlocking(fd, false);
    assert.equal(native.tryRead(fd, buf, 0, 8, 0), -1, 'nothing there: -1 at once, no wait');
    writeSync(other, 'xy');
    assert.equal(native.tryRead(fd, buf, 0, 8, 100), 2);
    native.close(other);
    assert.equal(native.tryRead(fd, buf, 0, 8, 0), 0, 'EOF');
    native.close(fd);
  }
});

test('tryWrite: bytes written, -1 (nothing written) when the kernel has no room, EPIPE once the peer is gone', () => {
  const [a, b] = native.socketpair();
  native.setNonBlocking(a, true);
  const data = Buffer.from('0123456789');
  assert.equal(native.tryWrite(a, data, 2, 5), 5);
  const got = Buffer.alloc(8);
  assert.equal(readSync(b, got), 5);
  assert.equal(got.toString('latin1', 0, 5), '23456');
  const big = Buffer.alloc(1 << 16);
  let total = 0;
  for (;;) {
    const n = native.tryWrite(a, big, 0, big.length);
    if (n === -1) break;
    assert.ok(n > 0);
    total += n;
  }
  assert.ok(total > 0, 'the socket buffer filled, then -1');
  native.close(b);
  assert.throws(
    () => native.tryWrite(a, data, 0, 1),
    (error: NodeJS.ErrnoException) => ['EPIPE', 'ECONNRESET'].includes(error.code ?? '') && error.syscall === 'write',
  );
  native.close(a);
});

test('pipe, dup, dup2, setCloexec, setNonBlocking, close', () => {
  const [r, w] = native.pipe();
  assert.ok(fdFlags(r) & O_CLOEXEC);
  assert.ok(fdFlags(w) & O_CLOEXEC);
  const d = native.dup(w);
  assert.ok(fdFlags(d) & O_CLOEXEC, 'F_DUPFD_CLOEXEC');
  writeSync(d, 'via dup');
  const buf = Buffer.alloc(16);
  assert.equal(buf.toString('utf8', 0, readSync(r, buf)), 'via dup');

  const target = native.dup(r);
  native.dup2(w, target);
  assert.equal(fdFlags(target) & O_CLOEXEC, 0, 'dup2 target is not close-on-exec');
  writeSync(target, 'via dup2');
  assert.equal(buf.toString('utf8', 0, readSync(r, buf)), 'via dup2');
  native.setCloexec(target, true);
  assert.ok(fdFlags(target) & O_CLOEXEC);
  native.dup2(target, target);
  assert.equal(fdFlags(target) & O_CLOEXEC, 0, 'dup2(fd, fd) clears close-on-exec too');
  native.setCloexec(target, false);
  assert.equal(fdFlags(target) & O_CLOEXEC, 0);

  native.setNonBlocking(r, true);
  assert.ok(fdFlags(r) & O_NONBLOCK);
  native.setNonBlocking(r, false);
  assert.equal(fdFlags(r) & O_NONBLOCK, 0);

  for (const fd of [r, w, d, target]) native.close(fd);
  assert.throws(() => native.close(d), { code: 'EBADF', syscall: 'close', message: 'close: Bad file descriptor' });
  assert.throws(() => native.dup(d), { code: 'EBADF', syscall: 'fcntl' });
});
