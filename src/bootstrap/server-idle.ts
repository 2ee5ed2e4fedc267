// The fork server's young generation, kept small for the children it forks: a child runs with the
// server's young generation, and a scavenge there copies pages it shares with the server. So
// the server empties it once it has been idle for IDLE_GC_MS (children seldom start with a
// scavenge pending), and before a fork when it is full (a module imported just now, a burst of
// requests: a Pool's start + map got markedly faster). Not after each fork: right after fork()
// every page the scavenge writes is a copy-on-write fault, and it ran while the new child needed
// the CPU (the figures: docs/DECISIONS.md, "Processes and start methods"). The first idle time
// also warms multiproc's hot code up for the children to come (src/bootstrap/warm-up.ts).
import { getHeapSpaceStatistics } from 'node:v8';
import { warmUp } from './warm-up.ts';

const collect = (globalThis as { gc?: (options?: { type: 'minor' | 'major' }) => void }).gc;
/** How long the server waits idle before it empties its young generation (a policy: a pause between starts). */
const IDLE_GC_MS = 250;
/** Young-generation bytes above which a fork waits for a scavenge (a fraction of V8's smallest semi-space). */
const YOUNG_LIMIT = 256 * 1024;

let idleCollect: NodeJS.Timeout | undefined;
let warmedUp = false;

const youngBytes = (): number => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_used_size ?? 0;

/** Before a fork: empty the young generation if it holds much. */
export function emptyYoungIfFull(): void {
  if (collect !== undefined && youngBytes() > YOUNG_LIMIT) collect({ type: 'minor' });
}

/** After a start: (re)arm the idle collection. */
export function collectWhenIdle(): void {
  clearTimeout(idleCollect);
  idleCollect = setTimeout(whenIdle, IDLE_GC_MS).unref();
}

function whenIdle(): void {
  if (!warmedUp) {
    warmedUp = true;
    try {
      warmUp();
    } catch {
      // only an optimization: the server goes on without it
    }
  }
  collect?.({ type: 'minor' });
}
