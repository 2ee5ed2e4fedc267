// What a test says when a process it started does not finish in time: the process tree under
// it (pid, state, what each waits in, its command line), read from /proc, then the whole tree
// killed, so a hang in CI fails with a reason instead of holding the file until its timeout.
import { readdirSync, readFileSync } from 'node:fs';

interface Entry {
  pid: number;
  ppid: number;
  state: string;
}

function readEntry(pid: number): Entry | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(fields[1]), state: fields[0] ?? '?' };
  } catch {
    return null; // gone meanwhile
  }
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

/** `root` and every process descended from it, parents first. */
export function processTree(root: number): Entry[] {
  const all = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readEntry(Number(name)))
    .filter((entry): entry is Entry => entry !== null);
  const tree: Entry[] = [];
  const queue = all.filter((entry) => entry.pid === root);
  while (queue.length > 0) {
    const entry = queue.shift() as Entry;
    tree.push(entry);
    queue.push(...all.filter((other) => other.ppid === entry.pid));
  }
  return tree;
}

/** One line per process of the tree: pid, state, wait channel, kernel stack top, command line. */
export function describeTree(root: number): string {
  return processTree(root)
    .map(({ pid, ppid, state }) => {
      const wchan = readOr(`/proc/${pid}/wchan`, '?');
      const stack = readOr(`/proc/${pid}/stack`, '').split('\n').slice(0, 3).join(' < ');
      const cmdline = readOr(`/proc/${pid}/cmdline`, '').replaceAll('\0', ' ').trim().slice(0, 200);
      return `  ${pid} (parent ${ppid}) ${state} in ${wchan}${stack === '' ? '' : ` [${stack}]`}: ${cmdline}`;
    })
    .join('\n');
}

/** SIGKILL `root` and every process under it (children first found, all signalled). */
export function killTree(root: number): void {
  for (const { pid } of processTree(root).reverse()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
