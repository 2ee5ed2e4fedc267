// Test helper: the warm spares of this process's fork server, found in /proc (a child of the
// server, whose parent is this process, titled as a spare).
import { readdirSync, readFileSync } from 'node:fs';
import { isRunning } from '../helpers.ts';

function parentOf(pid: number | string): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/** The running spares of this process's fork server. */
export function forkServerSpares(): Set<number> {
  const found = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let title: string;
    try {
      title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!title.startsWith('multiproc: forkserver spare')) continue;
    const server = parentOf(entry);
    if (server !== null && parentOf(server) === process.pid && isRunning(Number(entry))) found.add(Number(entry));
  }
  return found;
}

/** Spares that were not running in `before`: waits (loop turns, with a deadline) until there are `count`. */
export async function newSpares(before: Set<number>, count: number, timeoutMs = 20_000): Promise<Set<number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const fresh = new Set([...forkServerSpares()].filter((pid) => !before.has(pid)));
    if (fresh.size >= count) return fresh;
    if (Date.now() > deadline) throw new Error(`${fresh.size} new spares of this process, not ${count}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
