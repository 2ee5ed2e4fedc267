import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { formatJson, formatTrees, listProcesses } from '../../src/ps/index.ts';
import { formatAge, formatBytes } from '../../src/ps/format-text.ts';
import { fakeProc, standardSpec } from './fake-proc.ts';

const fake = fakeProc(standardSpec());
after(() => fake.remove());

describe('ps: text output', () => {
  it('draws the trees like `ps auf`, columns aligned, flags after the name', async () => {
    const text = formatTrees(await listProcesses({ source: fake.source }));
    assert.equal(
      text,
      [
        'PID  PPID  S  %CPU    RSS    AGE  METHOD      SYSCALL     WCHAN             NAME',
        '  1     0  S   0.0  39.1M  16:39  -           epoll_wait  do_epoll_wait     /sbin/init <reaper: adopted orphans>',
        '200     1  S   0.0  39.1M  06:40  ?           epoll_wait  do_epoll_wait      \\_ Orphan-1 <orphan>',
        '100    50  S   6.7  50.0M  10:00  -           epoll_wait  do_epoll_wait     node app.mjs',
        '101   100  S   0.8  43.9M  09:59  spawn       epoll_wait  do_epoll_wait      \\_ Process-1',
        '103   101  S   0.0  39.1M  09:59  fork        read        anon_pipe_read     |   \\_ Process-1:1',
        '104   101  Z   0.0      0  09:59  ?           -           -                  |   \\_ Proc… <zombie>',
        '102   100  S   0.0  39.1M  09:59  -           epoll_wait  do_epoll_wait      \\_ forkserver',
        '105   102  R  33.4  39.1M  09:59  forkserver  running     -                      \\_ ForkPoolWorker-1',
        '299     1  S   0.0  39.1M  16:39  -           epoll_wait  do_epoll_wait     tini -s -- node x.mjs <reaper: adopted orphans>',
        '301   299  S   0.0  39.1M  05:00  ?           futex       futex_wait_queue   \\_ Lost-1 <orphan>',
      ].join('\n'),
    );
  });

  it('puts a syscall guessed from wchan in parentheses', async () => {
    const spec = standardSpec();
    spec.errors = { '103/syscall': 'EACCES' };
    const denied = fakeProc(spec);
    try {
      const line = formatTrees(await listProcesses({ source: denied.source, pid: 103 }))
        .split('\n')
        .find((l) => l.startsWith('103 '));
      assert.match(line ?? '', / \(read\) +anon_pipe_read /);
    } finally {
      denied.remove();
    }
  });

  it('cuts a long main command line (JSON keeps it whole)', async () => {
    const spec = standardSpec();
    const long = `node ${'a'.repeat(100)}.mjs`;
    spec.procs.find((p) => p.pid === 100)!.cmdline = long;
    const longRoot = fakeProc(spec);
    try {
      const trees = await listProcesses({ source: longRoot.source, pid: 100 });
      assert.equal(trees[0]?.name, long);
      const line = formatTrees(trees).split('\n')[1] ?? '';
      assert.ok(line.endsWith('a…'), line);
    } finally {
      longRoot.remove();
    }
  });

  it('formats age like ps ELAPSED and memory in K/M/G', () => {
    assert.equal(formatAge(0), '00:00');
    assert.equal(formatAge(61_999), '01:01');
    assert.equal(formatAge(3_600_000 + 62_000), '01:01:02');
    assert.equal(formatAge(2 * 86_400_000 + 3_600_000), '2-01:00:00');
    assert.equal(formatBytes(0), '0');
    assert.equal(formatBytes(512 * 1024), '512K');
    assert.equal(formatBytes(45_000 * 1024), '43.9M');
    assert.equal(formatBytes(3 * 1024 ** 3), '3.0G');
  });
});

describe('ps: JSON output', () => {
  it('is an array of trees with the documented fields', async () => {
    const parsed = JSON.parse(formatJson(await listProcesses({ source: fake.source, pid: 100 }))) as Record<string, unknown>[];
    assert.equal(parsed.length, 1);
    const main = parsed[0]!;
    assert.deepEqual(Object.keys(main), [
      'pid',
      'ppid',
      'name',
      'role',
      'startMethod',
      'state',
      'cpuPercent',
      'rssBytes',
      'ageMs',
      'startTicks',
      'threads',
      'syscall',
      'syscallNr',
      'wchan',
      'waitingIn',
      'waitingGuessed',
      'zombie',
      'orphan',
      'children',
    ]);
    const p1 = (main.children as Record<string, unknown>[])[0]!;
    assert.deepEqual(
      {
        pid: p1.pid,
        name: p1.name,
        role: p1.role,
        startMethod: p1.startMethod,
        syscall: p1.syscall,
        syscallNr: p1.syscallNr,
        wchan: p1.wchan,
      },
      { pid: 101, name: 'Process-1', role: 'process', startMethod: 'spawn', syscall: 'epoll_wait', syscallNr: 232, wchan: 'do_epoll_wait' },
    );
  });

  it('prints one line per snapshot when compact (watch)', async () => {
    const text = formatJson(await listProcesses({ source: fake.source }), true);
    assert.ok(!text.includes('\n'));
    assert.equal((JSON.parse(text) as unknown[]).length, 3);
  });
});
