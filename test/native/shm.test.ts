// shm_open/ftruncate/mmap as a SharedArrayBuffer, and the process-shared futex, through the addon.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { loadNative } from '../../src/native/binding.ts';
import { fixture } from '../fixtures/os-helpers.ts';

const native = loadNative()!;
const segment = () => `/multiproc-test-${process.pid}-${Math.random().toString(36).slice(2)}`;

test("shm round trip: two mappings of one segment see each other's Atomics", () => {
  const name = segment();
  const fd = native.shmOpen(name, 'create', 0o600);
  try {
    assert.throws(() => native.shmOpen(name, 'create', 0o600), { code: 'EEXIST', syscall: 'shm_open' });
    assert.equal(native.fstatSize(fd), 0);
    native.ftruncate(fd, 4096);
    assert.equal(native.fstatSize(fd), 4096);
    const first = native.mmapShared(fd, 4096);
    const fd2 = native.shmOpen(name, 'open', 0);
    const second = native.mmapShared(fd2, 4096);
    native.close(fd2);
    assert.ok(first instanceof SharedArrayBuffer);
    assert.equal(first.byteLength, 4096);
    assert.equal(Atomics.add(new Int32Array(first), 3, 5), 0);
    assert.equal(Atomics.add(new Int32Array(second), 3, 2), 5);
    assert.equal(Atomics.load(new Int32Array(first), 3), 7);
    new Uint8Array(second).set([9, 8, 7], 100);
    assert.deepEqual([...new Uint8Array(first, 100, 3)], [9, 8, 7]);
  } finally {
    native.close(fd);
    native.shmUnlink(name);
  }
  assert.throws(() => native.shmOpen(name, 'open', 0), { code: 'ENOENT', syscall: 'shm_open' });
  assert.throws(() => native.shmUnlink(name), { code: 'ENOENT', syscall: 'shm_unlink' });
  assert.throws(() => native.shmOpen(name, 'bogus' as 'open', 0), TypeError);
});

test('futexWait: not-equal and timed-out without another process', () => {
  const sab = new SharedArrayBuffer(16);
  Atomics.store(new Int32Array(sab), 1, 5);
  assert.equal(native.futexWait(sab, 4, 4, -1), 'not-equal');
  assert.equal(native.futexWait(sab, 4, 5, 0), 'timed-out');
  const started = performance.now();
  assert.equal(native.futexWait(sab, 4, 5, 20), 'timed-out');
  assert.ok(performance.now() - started >= 19);
  assert.equal(native.futexWake(sab, 0, 1), 0);
  assert.throws(() => native.futexWait(sab, 2, 0, 0), RangeError);
  assert.throws(() => native.futexWait(sab, 16, 0, 0), RangeError);
  assert.throws(() => native.futexWait(new ArrayBuffer(8) as unknown as SharedArrayBuffer, 0, 0, 0), TypeError);
});

test('futexWake in this process wakes futexWait in another one', async () => {
  const name = segment();
  const fd = native.shmOpen(name, 'create', 0o600);
  native.ftruncate(fd, 64);
  const sab = native.mmapShared(fd, 64);
  native.close(fd);
  const child = spawn(process.execPath, [fixture('native/futex.mjs'), name], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let stdout = '';
    child.stdout.setEncoding('utf8');
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes('waiting\n')) resolve();
      });
    });
    // The child said "waiting" just before entering the kernel; wake until one waiter was there.
    let woken = 0;
    while (woken === 0) {
      woken = native.futexWake(sab, 0, 1);
      if (woken === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(woken, 1);
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(stdout.split('\n')[1]!), { result: 'ok' });
    assert.equal(Atomics.load(new Int32Array(sab), 1), 1, "the child's Atomics.add is visible here");
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    native.shmUnlink(name);
  }
});
