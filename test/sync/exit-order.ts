// Workaround for a bug of the `fork` launcher (src/launcher/fork.ts, not sync's): a forked child
// inherits the pidfd watchers of the siblings forked before it, and when such a sibling ends
// first the child's copy of the watcher fires, waitpid() fails with ECHILD and the child dies
// (exit code 1). Until that is fixed, tests with several long-lived children let them end in
// reverse start order: each child waits for its own `mayExit` Event before returning.
import assert from 'node:assert/strict';
import { Event, type Process } from '../../src/index.ts';

/** One `mayExit` Event per child. */
export function exitGates(n: number): Event[] {
  return Array.from({ length: n }, () => new Event());
}

/** Let the children end, last started first, joining each; returns their exit codes. */
export async function endInReverse(children: Process[], gates: Event[]): Promise<(number | null)[]> {
  assert.equal(children.length, gates.length);
  for (let i = children.length - 1; i >= 0; i--) {
    gates[i]?.set();
    await children[i]?.join();
  }
  return children.map((child) => child.exitCode);
}
