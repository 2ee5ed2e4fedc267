// multiproc/os wait()/waitpid()/waitSync()/waitpidSync(), getpid/getppid/kill.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { getpid, getppid, kill, wait, waitpid, waitpidSync, waitSync } from '../../src/os.ts';
import { runOsFixture, zombiesOf } from '../fixtures/os-helpers.ts';
import { OsFork } from '../fixtures/scenarios.ts';

after(() => assert.deepEqual(zombiesOf(), []));

test('waiting semantics, in a process that forks', async () => {
  const { result } = await runOsFixture<Record<string, unknown>>('os/fork.ts', [OsFork.waiting]);
  assert.deepEqual(result, {
    waitNone: 'ECHILD:wait',
    waitSyncNone: 'ECHILD:wait',
    waitpidForeign: 'ECHILD:waitpid', // a child_process child is Node's to reap, never ours
    noHang: null,
    noHangSync: null,
    settledEarly: false,
    waitResult: { pid: (result['waitResult'] as { pid: number }).pid, exitCode: 2, signal: null },
    cpExit: 5, // and Node still saw its own child's exit
    waitSync: { pid: (result['waitSync'] as { pid: number }).pid, exitCode: 3, signal: null },
    waitpidSync: { pid: (result['waitpidSync'] as { pid: number }).pid, exitCode: null, signal: 'SIGKILL' },
    concurrent: [6, 6],
    later: { isP5: true, exitCode: 8 },
    afterReap: 'ECHILD:waitpid',
    blocked: true,
    zeroPid: 'RangeError',
    badPid: 'RangeError',
    badOption: 'TypeError',
  });
});

test('without forked children, wait() rejects and waitSync() throws ECHILD', async () => {
  await assert.rejects(wait(), { code: 'ECHILD', errno: -10, syscall: 'wait', message: /^wait: No child processes/ });
  assert.throws(() => waitSync(), { code: 'ECHILD' });
  await assert.rejects(waitpid(process.pid), { code: 'ECHILD', syscall: 'waitpid' });
  assert.throws(() => waitpidSync(process.pid), { code: 'ECHILD' });
  await assert.rejects(waitpid('1' as unknown as number), TypeError);
});

test('getpid, getppid, kill', () => {
  assert.equal(getpid(), process.pid);
  assert.equal(getppid(), process.ppid);
  kill(process.pid, 0);
  assert.throws(() => kill(2 ** 30, 'SIGTERM'), { code: 'ESRCH', syscall: 'kill' });
  assert.throws(() => kill(process.pid, 'SIGNOPE'), TypeError);
  assert.throws(() => kill(0), RangeError);
  assert.throws(() => kill(-1, 'SIGKILL'), RangeError);
});
