// `multiproc ps` on real processes: the fixture imitating the contract (every start method's
// markers, a zombie, an orphan) and the real Process. Everything runs below a reaping subreaper
// so that killed processes, the zombie and the orphan are all reaped in `after`.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { psCommand } from '../../src/cli/ps.ts';
import { runArguments } from '../../src/cli/run.ts';
import { formatTrees, listProcesses, type ProcNode, type ProcTree } from '../../src/ps/index.ts';
import { exists, FIXTURE, HAS_PYTHON, killUnderReaper, startUnderReaper, type Lines } from './live.ts';

const REAL_MAIN = fileURLToPath(new URL('../fixtures/ps/real-main.ts', import.meta.url));
const EPOLL = /^epoll_p?wait$/;

function find(trees: ProcTree[], pid: number): ProcNode {
  const walk = (node: ProcNode): ProcNode | undefined => (node.pid === pid ? node : node.children.map(walk).find((n) => n !== undefined));
  const found = trees.map(walk).find((n) => n !== undefined);
  assert.ok(found, `pid ${pid} in ${JSON.stringify(trees.map((t) => t.pid))}`);
  return found;
}

/** Kill everything below the reaper, wait for it to reap it all and exit; check `pids` are gone. */
async function cleanUp(reaper: ChildProcess, lines: Lines, pids: number[]): Promise<void> {
  await killUnderReaper(reaper, lines);
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
    if (reaper) await cleanUp(reaper, lines, Object.values(pids ?? {}));
  });

  it('builds the tree under the main process, ordered by start', async () => {
    const trees = await listProcesses({ pid: pids.main! });
    assert.equal(trees.length, 1);
    const main = trees[0]!;
    assert.equal(main.pid, pids.main);
    assert.equal(main.role, 'main');
    assert.match(main.name, /ps\/tree\.mjs main --orphan$/);
    const shape = (n: ProcNode): unknown => [n.name, n.children.map(shape)];
    assert.deepEqual(main.children.map(shape), [
      [
        'Process-1',
        [
          ['Proc…', []],
          ['Process-1:1', []],
          ['Process-1:2', []],
          ['Process-1:3', []],
        ],
      ],
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

for (const method of ['spawn', 'forkserver', 'fork'] as const) {
  describe(`ps: the real Process (${method})`, { skip: HAS_PYTHON ? false : 'needs python3 as subreaper' }, () => {
    let reaper: ChildProcess | undefined;
    let lines: Lines;
    let unavailable: string | undefined;
    let started: { main: number; p1: number; p2: number };
    const announced = new Map<string, number>();

    // The next `in PID NAME` lines until `name` has announced itself, or null after `ms`.
    async function announcedPid(name: string, ms: number): Promise<number | null> {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
      try {
        while (!announced.has(name)) {
          const match = await Promise.race([lines.find(/^in (\d+) (\S+)$/), deadline]);
          if (match === null) return null;
          announced.set(match[2]!, Number(match[1]));
        }
        return announced.get(name)!;
      } finally {
        clearTimeout(timer);
      }
    }

    before(async () => {
      // Run the way `multiproc run` does: --single-threaded, TypeScript compiled in-thread.
      ({ reaper, lines } = startUnderReaper([process.execPath, ...runArguments(REAL_MAIN, [method], [])], {
        ...process.env,
        ESBUILD_WORKER_THREADS: '0',
      }));
      const first = await lines.find(/^(started|unavailable) (.*)$/);
      if (first[1] === 'unavailable') unavailable = first[2];
      else started = JSON.parse(first[2]!) as typeof started;
    });
    after(async () => {
      if (reaper) await cleanUp(reaper, lines, started ? [started.main, started.p1, started.p2, ...announced.values()] : []);
    });

    it('shows the main, Process-1 waiting in join() and Process-2 sleeping', async (t) => {
      if (unavailable !== undefined) return t.skip(unavailable);
      assert.equal(await announcedPid('Process-1', 30_000), started.p1);
      assert.equal(await announcedPid('Process-2', 30_000), started.p2);
      // A process waiting in epoll is briefly R when a timer wakes it: wait for a snapshot where both sleep.
      const trees = await listUntil(
        started.main,
        (tr) =>
          tr.length === 1 &&
          EPOLL.test(find(tr, started.p1).syscall ?? '') &&
          EPOLL.test(find(tr, started.p2).syscall ?? '') &&
          find(tr, started.p1).state === 'S' &&
          find(tr, started.p2).state === 'S',
      );
      const main = trees[0]!;
      assert.equal(main.role, 'main');
      assert.match(main.syscall ?? '', EPOLL);
      for (const [pid, name] of [
        [started.p1, 'Process-1'],
        [started.p2, 'Process-2'],
      ] as const) {
        const node = find(trees, pid);
        assert.deepEqual([node.name, node.startMethod, node.orphan, node.zombie, node.state], [name, method, false, false, 'S']);
      }
      // With forkserver, the fork server sits between the main and its children.
      const servers = main.children.filter((c) => c.role === 'forkserver');
      assert.equal(servers.length, method === 'forkserver' ? 1 : 0);
      for (const server of servers) assert.equal(server.startMethod, null);
    });

    it('shows Process-1:1 below Process-1, blocked on a futex', async (t) => {
      if (unavailable !== undefined) return t.skip(unavailable);
      const grandchild = await announcedPid('Process-1:1', 15_000);
      if (grandchild === null) {
        const table = formatTrees(await listProcesses({ pid: started.main }));
        assert.fail(`Process-1:1 did not start within 15 s:\n${table}`);
      }
      const trees = await listUntil(started.main, (tr) => tr.length === 1 && find(tr, grandchild).syscall === 'futex');
      const node = find([find(trees, started.p1)], grandchild);
      assert.deepEqual([node.name, node.startMethod, node.orphan], ['Process-1:1', method, false]);
      assert.match(node.wchan ?? '', /^futex/);
    });
  });
}
