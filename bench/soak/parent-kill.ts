// Parents SIGKILLed with children and grandchildren of every start method alive: none of them
// may survive. Each round starts fixtures/tree-main.ts (a child of each method, each with a child
// of each method), waits until every one of them announced itself, checks that the marker in
// their environment finds them all in /proc, SIGKILLs the parent, and waits for /proc to hold no
// live process with the marker. One still there after the deadline is a survivor (a failure; it
// is killed then, so a failing soak leaves nothing behind).
import type { StartMethod } from '../../src/index.ts';
import { findMarked, killAll, waitForNoneMarked } from './proc.ts';
import { Failures, row, spread, type Row } from './row.ts';
import { announced, startProgram } from './script.ts';

/** How long a whole tree may take to come up, and to be gone after its parent's death. */
const UP_DEADLINE_MS = 120_000;
const GONE_DEADLINE_MS = 15_000;

/** `count` trees of `methods` whose parent is SIGKILLed. */
export async function parentKills(methods: StartMethod[], count: number): Promise<Row> {
  const startedAt = performance.now();
  const failures = new Failures();
  const expected = 1 + methods.length + methods.length * methods.length;
  const goneMs: number[] = [];
  let found = 0;
  for (let round = 0; round < count; round++) {
    const program = startProgram('tree-main.ts', [methods.join(',')]);
    try {
      const pids = await announced(program.dir, expected, UP_DEADLINE_MS);
      if (pids.length < expected)
        failures.add(
          `round ${round}: ${pids.length} of ${expected} processes came up within ${UP_DEADLINE_MS} ms; stderr: ${(await endedSoon(program.ended)).slice(0, 300)}`,
        );
      const marked = new Set(findMarked(program.marker).map((p) => p.pid));
      found += marked.size;
      const unmarked = pids.filter((pid) => !marked.has(pid));
      if (unmarked.length > 0)
        failures.add(`round ${round}: ${unmarked.length} announced processes do not carry the marker (${unmarked.join(', ')})`);
      const killedAt = performance.now();
      program.child.kill('SIGKILL');
      await program.ended;
      const survivors = await waitForNoneMarked(program.marker, GONE_DEADLINE_MS);
      goneMs.push(performance.now() - killedAt);
      if (survivors.length > 0) {
        failures.add(
          `round ${round}: ${survivors.length} survivors ${GONE_DEADLINE_MS} ms after the parent's SIGKILL: ${survivors
            .map((s) => `${s.pid} ${s.state} ${s.cmdline}`)
            .join('; ')
            .slice(0, 400)}`,
        );
        killAll(survivors.map((s) => s.pid));
      }
    } finally {
      killAll(findMarked(program.marker).map((p) => p.pid));
      program.cleanUp();
    }
  }
  const figures = `${expected} announced per tree, ${(found / count).toFixed(1)} found by marker (fork servers included), all gone after ${spread(goneMs)}`;
  return row('parent SIGKILLed, tree alive', methods.join('+'), count, failures, figures, startedAt);
}

/** The program's stderr if it ended within a moment, else ''. */
async function endedSoon(ended: Promise<{ stderr: string }>): Promise<string> {
  const result = await Promise.race([ended, new Promise<null>((resolve) => setTimeout(resolve, 100, null))]);
  return result?.stderr ?? '';
}
