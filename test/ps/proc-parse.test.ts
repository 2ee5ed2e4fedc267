import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { multiprocName, parseCmdline, parseStat, parseStatus, parseSyscall, parseWchan, readEnvVar } from '../../src/ps/proc-parse.ts';
import { syscallFromWchan, syscallName } from '../../src/ps/syscall-names.ts';

describe('ps: /proc file parsers', () => {
  it('parses stat, with spaces and parentheses in comm', () => {
    const text = '4128 (multiproc: a) b) S 4125 4125 2520 0 -1 4194304 2537 0 0 0 7 5 0 0 20 0 11 0 38096 779808768 10782 1844674\n';
    assert.deepEqual(parseStat(text), {
      pid: 4128,
      comm: 'multiproc: a) b',
      state: 'S',
      ppid: 4125,
      pgid: 4125,
      cpuTicks: 12,
      threads: 11,
      startTicks: 38096,
    });
    assert.equal(parseStat('garbage'), null);
  });

  it('parses status: real uid and VmRSS, RSS 0 when absent (zombie)', () => {
    assert.deepEqual(parseStatus('Name:\tnode\nUid:\t1000\t1001\t1000\t1000\nVmRSS:\t   43900 kB\n'), {
      uid: 1000,
      rssBytes: 43900 * 1024,
    });
    assert.deepEqual(parseStatus('Name:\tnode\nState:\tZ (zombie)\nUid:\t0\t0\t0\t0\n'), { uid: 0, rssBytes: 0 });
  });

  it('joins cmdline arguments and drops the NUL padding a title leaves', () => {
    assert.equal(parseCmdline('node\0app.mjs\0--x\0'), 'node app.mjs --x');
    assert.equal(parseCmdline('multiproc: Process-1\0\0\0\0\0\0\0\0'), 'multiproc: Process-1');
    assert.equal(parseCmdline(''), '');
  });

  it('reads one variable from environ', () => {
    const environ = 'PATH=/bin\0MULTIPROC_SPAWN_PARENT=42\0X=MULTIPROC_SPAWN_PARENT=7\0';
    assert.equal(readEnvVar(environ, 'MULTIPROC_SPAWN_PARENT'), '42');
    assert.equal(readEnvVar(environ, 'HOME'), undefined);
  });

  it('parses syscall: running, a syscall number, or blocked outside a syscall', () => {
    assert.deepEqual(parseSyscall('running\n'), { kind: 'running' });
    assert.deepEqual(parseSyscall('281 0xe 0x7ffebd1fde90 0x400 0x1869f 0x0 0x8 0x7ffebd1fd130 0x7f61ed326cae\n'), {
      kind: 'syscall',
      nr: 281,
    });
    assert.deepEqual(parseSyscall('-1 0x0 0x0\n'), { kind: 'none' });
    assert.deepEqual(parseSyscall(''), { kind: 'none' });
  });

  it('parses wchan: 0 or empty means not sleeping', () => {
    assert.equal(parseWchan('do_epoll_wait'), 'do_epoll_wait');
    assert.equal(parseWchan('0'), null);
    assert.equal(parseWchan(''), null);
  });

  it('finds the multiproc name in the title, or in comm for a zombie', () => {
    assert.equal(multiprocName('multiproc: Process-1:2', 'multiproc: Proc'), 'Process-1:2');
    assert.equal(multiprocName('multiproc: ', 'multiproc: '), '?'); // title cut to the argv space
    assert.equal(multiprocName('node app.mjs', 'node'), null);
    assert.equal(multiprocName('', 'multiproc: Proc'), 'Proc…'); // zombie: comm is 15 bytes, maybe cut
    assert.equal(multiprocName('', 'multiproc: P-1'), 'P-1');
    assert.equal(multiprocName('', 'kworker/0:1'), null);
  });
});

describe('ps: syscall names', () => {
  it('names syscalls on x86_64 and arm64', () => {
    assert.equal(syscallName(0, 'x64'), 'read');
    assert.equal(syscallName(61, 'x64'), 'wait4');
    assert.equal(syscallName(202, 'x64'), 'futex');
    assert.equal(syscallName(232, 'x64'), 'epoll_wait');
    assert.equal(syscallName(281, 'x64'), 'epoll_pwait');
    assert.equal(syscallName(63, 'arm64'), 'read');
    assert.equal(syscallName(98, 'arm64'), 'futex');
    assert.equal(syscallName(22, 'arm64'), 'epoll_pwait');
    assert.equal(syscallName(260, 'arm64'), 'wait4');
    assert.equal(syscallName(455, 'x64'), 'futex_wait'); // newer than the generating headers
  });

  it('falls back to syscall_<nr> for an unknown number or architecture', () => {
    assert.equal(syscallName(9999, 'x64'), 'syscall_9999');
    assert.equal(syscallName(3, 'riscv64'), 'syscall_3');
  });

  it('guesses the syscall from a wchan symbol', () => {
    assert.equal(syscallFromWchan('do_epoll_wait'), 'epoll_wait');
    assert.equal(syscallFromWchan('futex_wait_queue'), 'futex');
    assert.equal(syscallFromWchan('futex_do_wait'), 'futex');
    assert.equal(syscallFromWchan('do_wait'), 'wait4');
    assert.equal(syscallFromWchan('pipe_read'), 'read');
    assert.equal(syscallFromWchan('anon_pipe_read'), 'read');
    assert.equal(syscallFromWchan('hrtimer_nanosleep'), 'nanosleep');
    assert.equal(syscallFromWchan('some_driver_fn'), null);
    assert.equal(syscallFromWchan(null), null);
  });
});
