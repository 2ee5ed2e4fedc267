import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { listProcesses, watchProcesses, type ProcNode, type ProcTree } from '../../src/ps/index.ts';
import { fakeProc, standardSpec, type FakeProcRoot } from './fake-proc.ts';

const roots: FakeProcRoot[] = [];
function machine(spec = standardSpec()): FakeProcRoot {
  const root = fakeProc(spec);
  roots.push(root);
  return root;
}
after(() => {
  for (const root of roots) root.remove();
});

function find(trees: ProcTree[], pid: number): ProcNode {
  const walk = (node: ProcNode): ProcNode | undefined => (node.pid === pid ? node : node.children.map(walk).find((n) => n !== undefined));
  const found = trees.map(walk).find((n) => n !== undefined);
  assert.ok(found, `pid ${pid} in the trees`);
  return found;
}

const shape = (node: ProcNode): unknown => [node.pid, node.children.map(shape)];

describe('ps: building trees from a fake /proc', () => {
  it('roots each tree at the main process and nests multiproc children', async () => {
    const trees = await listProcesses({ source: machine().source });
    assert.deepEqual(trees.map(shape), [
      [1, [[200, []]]],
      [
        100,
        [
          [
            101,
            [
              [103, []],
              [104, []],
            ],
          ],
          [102, [[105, []]]],
        ],
      ],
      [299, [[301, []]]],
    ]);
    const main = find(trees, 100);
    assert.equal(main.role, 'main');
    assert.equal(main.name, 'node app.mjs');
    assert.equal(main.startMethod, null);
  });

  it('names, roles and start methods from the contract', async () => {
    const trees = await listProcesses({ source: machine().source });
    const pick = (pid: number) => {
      const n = find(trees, pid);
      return [n.name, n.role, n.startMethod];
    };
    assert.deepEqual(pick(101), ['Process-1', 'process', 'spawn']); // MULTIPROC_SPAWN_PARENT = ppid
    assert.deepEqual(pick(102), ['forkserver', 'forkserver', null]); // not a Process
    assert.deepEqual(pick(103), ['Process-1:1', 'process', 'fork']); // inherited, ≠ ppid
    assert.deepEqual(pick(105), ['ForkPoolWorker-1', 'pool-worker', 'forkserver']); // child of the fork server
  });

  it('flags a zombie: name from comm, no method (environ is gone), no RSS', async () => {
    const zombie = find(await listProcesses({ source: machine().source }), 104);
    assert.equal(zombie.zombie, true);
    assert.equal(zombie.orphan, false);
    assert.equal(zombie.state, 'Z');
    assert.equal(zombie.name, 'Proc…');
    assert.equal(zombie.startMethod, null);
    assert.equal(zombie.rssBytes, 0);
    assert.equal(zombie.syscall, null);
    assert.equal(zombie.waitingIn, null);
  });

  it('flags orphans adopted by init and by a subreaper; their root is a reaper', async () => {
    const trees = await listProcesses({ source: machine().source });
    for (const [reaper, orphan] of [
      [1, 200],
      [299, 301],
    ] as const) {
      assert.equal(find(trees, reaper).role, 'reaper');
      assert.equal(find(trees, orphan).orphan, true);
      assert.equal(find(trees, orphan).startMethod, null);
    }
    assert.equal(find(trees, 101).orphan, false);
  });

  it('flags a child adopted by a parent that started after it', async () => {
    const spec = standardSpec();
    spec.procs.push({ pid: 600, ppid: 50, cmdline: 'node late.mjs', startTicks: 95000 });
    spec.procs.push({ pid: 601, ppid: 600, cmdline: 'multiproc: Early', startTicks: 94000 });
    const trees = await listProcesses({ source: machine(spec).source });
    assert.equal(find(trees, 601).orphan, true);
    assert.equal(find(trees, 600).role, 'reaper');
  });

  it('flags a fork server whose main died (its MULTIPROC_FORKSERVER_PARENT is not its parent)', async () => {
    const spec = standardSpec();
    spec.procs.push({
      pid: 700,
      ppid: 299,
      cmdline: 'multiproc: forkserver',
      env: { MULTIPROC_FORKSERVER_PARENT: '650' },
      startTicks: 96000,
    });
    spec.procs.push({
      pid: 701,
      ppid: 700,
      cmdline: 'multiproc: Process-3',
      env: { MULTIPROC_FORKSERVER_PARENT: '650' },
      startTicks: 96100,
    });
    const trees = await listProcesses({ source: machine(spec).source });
    assert.equal(find(trees, 700).orphan, true);
    assert.equal(find(trees, 701).orphan, false); // its fork server is alive
    assert.equal(find(trees, 701).startMethod, 'forkserver');
    assert.equal(find(trees, 102).orphan, false);
  });

  it('reads what each process waits in: syscall by name, running, wchan', async () => {
    const trees = await listProcesses({ source: machine().source });
    const reader = find(trees, 103);
    assert.deepEqual([reader.syscall, reader.syscallNr, reader.wchan, reader.waitingIn], ['read', 0, 'anon_pipe_read', 'read']);
    const sleeper = find(trees, 101);
    assert.deepEqual([sleeper.syscall, sleeper.wchan], ['epoll_wait', 'do_epoll_wait']);
    const busy = find(trees, 105);
    assert.deepEqual([busy.syscall, busy.syscallNr, busy.wchan, busy.waitingIn], ['running', null, null, 'running']);
    assert.equal(find(trees, 301).syscall, 'futex');
  });

  it('guesses from wchan when /proc/PID/syscall is refused (Yama ptrace scope)', async () => {
    const spec = standardSpec();
    spec.errors = { '101/syscall': 'EPERM', '103/syscall': 'EACCES' };
    const trees = await listProcesses({ source: machine(spec).source });
    const p1 = find(trees, 101);
    assert.deepEqual([p1.syscall, p1.waitingIn, p1.waitingGuessed], [null, 'epoll_wait', true]);
    const reader = find(trees, 103);
    assert.deepEqual([reader.syscall, reader.waitingIn, reader.waitingGuessed], [null, 'read', true]);
  });

  it('computes CPU %, RSS and age from stat, status and uptime', async () => {
    const trees = await listProcesses({ source: machine().source });
    const main = find(trees, 100); // 40 s of CPU over 600 s of life
    assert.equal(main.cpuPercent, 6.67);
    assert.equal(main.ageMs, 600_000);
    assert.equal(main.rssBytes, 51200 * 1024);
    assert.equal(main.threads, 11);
    assert.equal(find(trees, 105).cpuPercent, 33.36);
  });

  it('shows only the calling user unless allUsers', async () => {
    const source = machine().source;
    const mine = await listProcesses({ source });
    assert.ok(!mine.some((t) => t.pid === 400));
    const all = await listProcesses({ source, allUsers: true });
    const other = find(all, 401);
    assert.equal(other.startMethod, 'spawn');
    assert.equal(find(all, 400).role, 'main');
  });

  it('restricts to the tree containing a pid', async () => {
    const source = machine().source;
    assert.deepEqual(
      (await listProcesses({ source, pid: 105 })).map((t) => t.pid),
      [100],
    );
    assert.deepEqual(
      (await listProcesses({ source, pid: 100 })).map((t) => t.pid),
      [100],
    );
    assert.deepEqual(
      (await listProcesses({ source, pid: 301 })).map((t) => t.pid),
      [299],
    );
    assert.deepEqual(await listProcesses({ source, pid: 500 }), []);
  });

  it('returns no trees when no multiproc process runs', async () => {
    const spec = standardSpec();
    spec.procs = spec.procs.filter((p) => !p.cmdline.startsWith('multiproc:') && p.state !== 'Z');
    assert.deepEqual(await listProcesses({ source: machine(spec).source }), []);
  });

  it('rejects bad options in the house format', async () => {
    await assert.rejects(listProcesses({ pid: 0 }), {
      name: 'RangeError',
      message: 'Expected `pid` to be a positive integer, got `0` (number).',
    });
    await assert.rejects(listProcesses({ pid: '7' as unknown as number }), { name: 'TypeError' });
    await assert.rejects(listProcesses({ allUsers: 1 as unknown as boolean }), { name: 'TypeError' });
  });
});

describe('ps: watching a fake /proc', () => {
  it('reports CPU % since the previous refresh, and keeps a name once it turns zombie', async () => {
    const fake = machine();
    const controller = new AbortController();
    const seen: ProcTree[][] = [];
    for await (const trees of watchProcesses({ source: fake.source, intervalMs: 1, signal: controller.signal })) {
      seen.push(trees);
      if (seen.length === 1) {
        // One second later: Process-1 used 0.5 s of CPU, Process-1:1 exited (a zombie now).
        const next = standardSpec();
        next.uptimeSeconds = 1001;
        for (const p of next.procs) {
          if (p.pid === 101) p.utime = 550;
          if (p.pid === 103) Object.assign(p, { state: 'Z', cmdline: '', comm: 'multiproc: Proc' });
        }
        fake.update(next);
      } else controller.abort();
    }
    assert.equal(seen.length, 2);
    assert.equal(find(seen[0]!, 101).cpuPercent, 0.83); // lifetime
    assert.equal(find(seen[1]!, 101).cpuPercent, 50); // 50 ticks over 1 s at 100 Hz
    assert.equal(find(seen[1]!, 100).cpuPercent, 0); // no CPU used in between
    const exited = find(seen[1]!, 103);
    assert.equal(exited.zombie, true);
    assert.equal(exited.name, 'Process-1:1');
  });

  it('rejects a bad interval', async () => {
    await assert.rejects(watchProcesses({ intervalMs: 0 }).next(), { name: 'RangeError' });
  });
});
