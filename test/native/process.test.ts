// fork/waitpid/waitid/pidfd/_exit/pdeathsig/kill through the addon. Every fork happens in a
// fixture started with `node --single-threaded` (the test runner itself is not).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { loadNative, type NativeSystemError, type WaitStatus } from '../../src/native/binding.ts';
import { runForkFixture, runNode, zombiesOf } from '../fixtures/os-helpers.ts';
import { NativeFork } from '../fixtures/scenarios.ts';

const native = loadNative()!;

after(() => assert.deepEqual(zombiesOf(), []));

test('fork + waitpid: exit codes, signals, pid/ppid in the child, and a working loop after fork', async () => {
  const out = await runForkFixture<{
    exit3: WaitStatus & { isChildPid: boolean };
    killed: WaitStatus;
    loop: WaitStatus;
    zombies: number[];
  }>('native/fork.mjs', [NativeFork.basics]);
  assert.deepEqual({ ...out.exit3, pid: 0 }, { pid: 0, exitCode: 3, signal: null, isChildPid: true });
  assert.equal(out.killed.exitCode, null);
  assert.equal(out.killed.signal, 15);
  assert.equal(out.loop.exitCode, 5, 'setTimeout and fs.readFile in the forked child');
  assert.deepEqual(out.zombies, []);
});

test('waitidNoWait learns the end but leaves the zombie for waitpid; noHang gives null while running', async () => {
  const out = await runForkFixture<Record<string, unknown>>('native/fork.mjs', [NativeFork.nowait]);
  assert.equal(out['runningWaitpid'], null);
  assert.equal(out['runningWaitid'], null);
  assert.equal((out['released'] as WaitStatus).exitCode, 0);
  assert.equal((out['peek'] as WaitStatus).exitCode, 7);
  assert.equal(out['stateAfterPeek'], 'Z');
  assert.equal((out['peekAgain'] as WaitStatus).exitCode, 7);
  assert.equal((out['reaped'] as WaitStatus).exitCode, 7);
  assert.deepEqual(out['afterReap'], { code: 'ECHILD', errno: -10, syscall: 'waitpid', message: 'waitpid: No child processes' });
  assert.deepEqual(out['zombies'], []);
});

test("pidfdOpen + watchReadable: called back on the child's exit without blocking the loop", async () => {
  const out = await runForkFixture<{ status: WaitStatus; turns: number; order: string[]; zombies: number[] }>('native/fork.mjs', [
    NativeFork.pidfd,
  ]);
  assert.equal(out.status.exitCode, 11);
  assert.equal(out.turns, 20, 'the loop kept turning while the child ran');
  assert.deepEqual(out.order, ['microtask', 'immediate']);
  assert.deepEqual(out.zombies, []);
});

test('watchLoopIdle calls back when nothing but itself is left in the loop', async () => {
  const out = await runForkFixture<{ status: WaitStatus; seen: string[] }>('native/fork.mjs', [NativeFork.idle]);
  assert.equal(out.status.exitCode, 5);
  assert.deepEqual(out.seen, ['timer', 'idle', 'again']);
});

test('setPdeathsig: a grandchild gets its signal when its parent exits', async () => {
  const out = await runForkFixture<{ middleStatus: WaitStatus; grandchildEnded: boolean }>('native/fork.mjs', [NativeFork.pdeathsig]);
  assert.equal(out.middleStatus.exitCode, 0);
  assert.equal(out.grandchildEnded, true);
});

test('exit() is _exit(2): the code is kept and exit handlers do not run', async () => {
  const addon = new URL('../../build/Release/multiproc.node', import.meta.url).pathname;
  const result = await runNode(['-e', `process.on('exit', () => console.log('handler ran')); require(${JSON.stringify(addon)}).exit(42)`]);
  assert.equal(result.code, 42);
  assert.equal(result.stdout, '');
});

test('getpid, getppid, kill and its errors', () => {
  assert.equal(native.getpid(), process.pid);
  assert.equal(native.getppid(), process.ppid);
  native.kill(process.pid, 0);
  assert.throws(
    () => native.kill(2 ** 30, 0),
    (error: NativeSystemError) => {
      assert.ok(error instanceof Error);
      assert.equal(error.message, 'kill: No such process');
      assert.equal(error.code, 'ESRCH');
      assert.equal(error.errno, -3);
      assert.equal(error.syscall, 'kill');
      return true;
    },
  );
  assert.throws(() => native.pidfdOpen(2 ** 30), { code: 'ESRCH', syscall: 'pidfd_open' });
  assert.throws(() => native.waitpid(2 ** 30, true), { code: 'ECHILD', syscall: 'waitpid' });
});
