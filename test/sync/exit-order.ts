// Written as a workaround for a bug of the `fork` launcher (fixed since in 37adcd2): a forked
// child inherited the pidfd watchers of the siblings forked before it and died with ECHILD when
// one of them ended first. Tests with several long-lived children still let them end in reverse
// start order (each waits for its own `mayExit` Event), which costs nothing and keeps joins
// deterministic.
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
