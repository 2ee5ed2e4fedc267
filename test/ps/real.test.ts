// `multiproc ps` on real processes: the fixture imitating the contract (every start method's
// markers, a zombie, an orphan) and the real Process. Everything runs below a reaping subreaper
// so that killed processes, the zombie and the orphan are all reaped in `after`.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { psCommand } from '../../src/cli/ps.ts';
import { listProcesses, type ProcNode, type ProcTree } from '../../src/ps/index.ts';
import { exists, exited, FIXTURE, HAS_PYTHON, kill, startUnderReaper, type Lines } from './live.ts';

const REAL_MAIN = new URL('../fixtures/ps-real-main.mjs', import.meta.url).pathname;
const EPOLL = /^epoll_p?wait$/;

function find(trees: ProcTree[], pid: number): ProcNode {
  const walk = (node: ProcNode): ProcNode | undefined =>
    node.pid === pid ? node : node.children.map(walk).find((n) => n !== undefined);
  const found = trees.map(walk).find((n) => n !== undefined);
  assert.ok(found, `pid ${pid} in ${JSON.stringify(trees.map((t) => t.pid))}`);
  return found;
}

/** Kill every pid, then wait for the reaper to have reaped them all and exit. */
async function cleanUp(reaper: ChildProcess, pids: number[]): Promise<void> {
  for (const pid of pids) kill(pid);
  await exited(reaper);
  for (const pid of pids) assert.equal(exists(pid), false, `pid ${pid} left behind`);
}

// Poll ps until `test` holds: a blocking call is entered shortly after the fixture says so.
async function listUntil(pid: number, test: (trees: ProcTree[]) => boolean): Promise<ProcTree[]> {
  for (;;) {
    const trees = await listProcesses({ pid });
    if (test(trees)) return trees;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('ps: the contract imitated by a fixture tree', { skip: HAS_PYTHON ? false : 'needs python3 as subreaper' }, () => {
  let reaper: ChildProcess;
  let lines: Lines;
  let pids: Record<string, number>;

  before(async () => {
    ({ reaper, lines } = startUnderReaper([process.execPath, FIXTURE, 'main', '--orphan']));
    const match = await lines.find(/^ready (.*)$/);
    pids = JSON.parse(match[1]!) as Record<string, number>;
  });
  after(async () => {
    if (reaper) await cleanUp(reaper, Object.values(pids ?? {}));
  });

  it('builds the tree under the main process, ordered by start', async () => {
    const trees = await listProcesses({ pid: pids.main! });
    assert.equal(trees.length, 1);
    const main = trees[0]!;
    assert.equal(main.pid, pids.main);
    assert.equal(main.role, 'main');
    assert.match(main.name, /ps-tree\.mjs main --orphan$/);
    const shape = (n: ProcNode): unknown => [n.name, n.children.map(shape)];
    assert.deepEqual(main.children.map(shape), [
      ['Process-1', [['Proc…', []], ['Process-1:1', []], ['Process-1:2', []], ['Process-1:3', []]]],
      ['forkserver', [['Process-2', []]]],
    ]);
  });

  it('tells the start methods apart', async () => {
    const trees = await listProcesses({ pid: pids.main! });
    const method = (key: string): unknown => find(trees, pids[key]!).startMethod;
    assert.equal(method('p1'), 'spawn');
    assert.equal(method('reader'), 'spawn');
    assert.equal(method('sleeper'), 'fork');
    assert.equal(method('forkserver'), null);
    assert.equal(method('p2'), 'forkserver');
    assert.equal(find(trees, pids.forkserver!).role, 'forkserver');
  });

  it('shows what each waits in: read on a pipe, futex, the event loop', async () => {
    const trees = await listProcesses({ pid: pids.main! });
    const reader = find(trees, pids.reader!);
    assert.equal(reader.syscall, 'read');
    assert.equal(reader.state, 'S');
    assert.ok(reader.wchan !== null, 'wchan read');
    const waiter = find(trees, pids.waiter!);
    assert.equal(waiter.syscall, 'futex');
    assert.match(waiter.wchan ?? '', /^futex/);
    for (const key of ['main', 'p1', 'sleeper', 'forkserver', 'p2']) {
      assert.match(find(trees, pids[key]!).syscall ?? '', EPOLL, key);
    }
    assert.equal(find(trees, pids.p1!).wchan, 'do_epoll_wait');
  });

  it('flags the unreaped child as a zombie', async () => {
    const zombie = find(await listProcesses({ pid: pids.main! }), pids.zombie!);
    assert.equal(zombie.state, 'Z');
    assert.equal(zombie.zombie, true);
    assert.equal(zombie.rssBytes, 0);
    assert.equal(zombie.startMethod, null); // its environment is gone
    assert.equal(readFileSync(`/proc/${pids.zombie}/cmdline`, 'utf8'), '');
  });

  it('flags the orphan, adopted by the subreaper', async () => {
    const trees = await listProcesses({ pid: pids.orphan! });
    assert.equal(trees.length, 1);
    assert.equal(trees[0]!.pid, reaper.pid);
    assert.equal(trees[0]!.role, 'reaper');
    const orphan = find(trees, pids.orphan!);
    assert.equal(orphan.name, 'Orphan-1:1');
    assert.equal(orphan.orphan, true);
    assert.equal(orphan.ppid, reaper.pid);
  });

  it('reports CPU %, RSS, age and threads', async () => {
    const p1 = find(await listProcesses({ pid: pids.main! }), pids.p1!);
    assert.ok(p1.rssBytes > 10 * 1024 * 1024, `rss ${p1.rssBytes}`);
    assert.ok(p1.ageMs > 0 && p1.ageMs < 10 * 60_000, `age ${p1.ageMs}`);
    assert.ok(p1.cpuPercent >= 0 && p1.cpuPercent < 400, `cpu ${p1.cpuPercent}`);
    assert.ok(p1.threads >= 1);
  });

  it('prints the table for --pid', async () => {
    let out = '';
    const code = await psCommand(['--pid', String(pids.p1)], { stdout: { write: (s: string) => (out += s) }, stderr: process.stderr });
    assert.equal(code, 0);
    const lines = out.trimEnd().split('\n');
    assert.match(lines[0]!, /^\s*PID\s+PPID\s+S\s+%CPU\s+RSS\s+AGE\s+METHOD\s+SYSCALL\s+WCHAN\s+NAME$/);
    const line = (pid: number): string => lines.find((l) => l.trimStart().startsWith(`${pid} `)) ?? '';
    assert.match(line(pids.p1!), / spawn +epoll_p?wait +do_epoll_wait + \\_ Process-1$/);
    assert.match(line(pids.reader!), / spawn +read +\S+ + \| {3}\\_ Process-1:1$/);
    assert.match(line(pids.waiter!), / spawn +futex +futex\S* + \| {3}\\_ Process-1:3$/);
    assert.match(line(pids.zombie!), / Z .* \| {3}\\_ Proc… <zombie>$/);
    assert.match(line(pids.p2!), / forkserver +epoll_p?wait .* {5}\\_ Process-2$/);
  });
});

describe('ps: the real Process', { skip: HAS_PYTHON ? false : 'needs python3 as subreaper' }, () => {
  it('shows a parent in join(), a sleeping child and one blocked on a futex (spawn)', async () => {
    const { reaper, lines } = startUnderReaper([process.execPath, '--import', 'tsx', REAL_MAIN, 'spawn']);
    const all: number[] = [];
    try {
      const started = JSON.parse((await lines.find(/^started (.*)$/))[1]!) as { main: number; p1: number; p2: number };
      all.push(started.main, started.p1, started.p2);
      const names = new Map<string, number>();
      while (names.size < 3) {
        const [, pid, name] = await lines.find(/^in (\d+) (\S+)$/);
        names.set(name!, Number(pid));
        all.push(Number(pid));
      }
      const grandchild = names.get('Process-1:1')!;
      const trees = await listUntil(started.main, (t) => t.length === 1 && find(t, grandchild).syscall === 'futex');
      const main = trees[0]!;
      assert.equal(main.role, 'main');
      assert.deepEqual(main.children.map((c) => [c.pid, c.name, c.startMethod]), [
        [started.p1, 'Process-1', 'spawn'],
        [started.p2, 'Process-2', 'spawn'],
      ]);
      const p1 = find(trees, started.p1);
      assert.deepEqual(p1.children.map((c) => [c.pid, c.name, c.startMethod]), [[grandchild, 'Process-1:1', 'spawn']]);
      assert.match(p1.syscall ?? '', EPOLL); // join() waits in the event loop
      assert.match(find(trees, started.p2).syscall ?? '', EPOLL);
      assert.match(main.syscall ?? '', EPOLL);
    } finally {
      await cleanUp(reaper, all);
    }
  });
});
