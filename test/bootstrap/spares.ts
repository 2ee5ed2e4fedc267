// Test helper: the warm spares of this process's fork server, found in /proc (a child of the
// server, whose parent is this process, titled as a spare).
import { readFileSync } from 'node:fs';
import { childrenOf } from '../fixtures/os-helpers.ts';

function title(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** The running spares of this process's fork server. */
export function forkServerSpares(): Set<number> {
  const found = new Set<number>();
  for (const [server] of childrenOf(process.pid)) {
    for (const [pid, state] of childrenOf(server)) {
      if (state !== 'Z' && title(pid).startsWith('multiproc: forkserver spare')) found.add(pid);
    }
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
