// What a test that hit its deadline reports: the processes under a pid, each with its state and
// what it waits in (/proc: state, wchan, the syscall it is blocked in, its thread count), so that
// a CI failure says whether a child is idle in its event loop (do_epoll_wait), stuck on a lock
// (futex_do_wait), blocked on a terminal or pipe, or gone.
import { readdirSync, readFileSync } from 'node:fs';
import type { Process } from '../src/index.ts';

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

// pid → its children's pids, from every /proc/<pid>/stat.
function childrenByParent(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    const stat = read(`/proc/${name}/stat`);
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (Number.isInteger(ppid)) children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  return children;
}

function describeOne(pid: number): string {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === '') return `${pid}: gone`;
  const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  const title = read(`/proc/${pid}/cmdline`).replaceAll('\0', ' ').trim().slice(0, 100);
  const syscall = read(`/proc/${pid}/syscall`).trim().split(' ')[0] ?? '';
  let threads = 0;
  try {
    threads = readdirSync(`/proc/${pid}/task`).length;
  } catch {
    // gone meanwhile
  }
  return `${pid} [${title}] state ${state}, waits in ${read(`/proc/${pid}/wchan`) || '-'} (syscall ${syscall || '-'}), ${threads} threads`;
}

/** One line per process of the tree under `pid` (itself included), indented by depth. */
export function describeProcessTree(pid: number): string {
  if (process.platform !== 'linux') return `pid ${pid} (no /proc here)`;
  const children = childrenByParent();
  const lines: string[] = [];
  const walk = (at: number, depth: number): void => {
    lines.push(`${'  '.repeat(depth)}${describeOne(at)}`);
    for (const child of children.get(at) ?? []) walk(child, depth + 1);
  };
  walk(pid, 0);
  return lines.join('\n');
}

/** SIGKILL the process `pid` and every process under it (a test's hung script and what it started). */
export function killProcessTree(pid: number): void {
  const children = childrenByParent();
  const all: number[] = [];
  const walk = (at: number): void => {
    all.push(at);
    for (const child of children.get(at) ?? []) walk(child);
  };
  walk(pid);
  for (const each of all) {
    try {
      process.kill(each, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** join() bounded by `timeoutMs`: a child still running then fails the test with its process tree. */
export async function joinOrExplain(child: Process, timeoutMs = 120_000): Promise<number | null> {
  await child.join(timeoutMs);
  if (child.exitCode === null && child.isAlive()) {
    throw new Error(`${child.name} (pid ${child.pid}) did not end within ${timeoutMs} ms:\n${describeProcessTree(child.pid ?? 0)}`);
  }
  return child.exitCode;
}
