// Start→join cycles: each child gets a Pipe end, a Value and a Lock (new ones every cycle) and
// uses them (under the lock it adds 1 to the value, sends it back, closes its end). The parent's
// fds, /dev/shm entries and mappings, children, zombies, heap and RSS are measured after a
// warm-up (the first tenth of the cycles, at most 200: the fork server, arenas, code caches and
// V8's heap sizing settle there) and again at the end, each time after a full collection (a
// collected Lock or Value closes its fd in a finalizer).
//
// Tolerances. Counted resources must not grow at all: fds, /dev/shm entries and mappings,
// children, zombies (a leak of one per cycle is certain to show; a leak of one in the whole run
// shows too). Memory is noisier: after a full collection the heap still varies by some hundred
// KiB (code caches, feedback), and RSS by what the allocators keep (V8's young generation alone
// may commit up to 16 MiB more or less between two moments). So heap growth is allowed up to
// 2 MiB and RSS growth up to 24 MiB: a leak of 200 bytes of heap or 2.4 KiB of native memory
// per cycle fails the full run (10,000 cycles); a short run only catches larger leaks.
import { getContext, Pipe, type StartMethod } from '../../src/index.ts';
import { describeFds, measure, type Usage } from './proc.ts';
import { Failures, HUNG, row, within, type Row } from './row.ts';
import { useShared } from './targets.ts';

const HEAP_TOLERANCE = 2 * 1024 * 1024;
const RSS_TOLERANCE = 24 * 1024 * 1024;
/** A cycle that takes longer than this hung. */
const CYCLE_DEADLINE_MS = 60_000;

/**
 * One cycle; a failure's description, or null. A function of its own, so that what a cycle made
 * is unreachable once it returns: a suspended async function keeps its registers, and a loop
 * that made the objects itself would keep the last cycle's Lock and arena alive at the
 * measurement (seen as one more fd and mapping at the end than after the warm-up).
 */
async function cycle(method: StartMethod, i: number): Promise<string | null> {
  const { Process, Lock, Value } = getContext(method);
  const [mine, theirs] = Pipe();
  const value = new Value('i32', 41);
  const lock = new Lock();
  const child = new Process({ target: useShared, args: [theirs, value, lock] });
  try {
    child.start();
    theirs.close();
    const outcome = await within(
      (async () => {
        const reply = await mine.recv<{ pid: number; value: number }>();
        await child.join();
        return reply;
      })(),
      CYCLE_DEADLINE_MS,
    );
    if (outcome === HUNG) {
      child.kill();
      await child.join();
      return `cycle ${i}: no reply and join within ${CYCLE_DEADLINE_MS} ms (pid ${child.pid})`;
    }
    if (outcome.value !== 42 || value.value !== 42 || outcome.pid !== child.pid || child.exitCode !== 0) {
      return `cycle ${i}: reply ${JSON.stringify(outcome)}, value ${value.value}, exit code ${child.exitCode} (pid ${child.pid})`;
    }
    return null;
  } catch (error) {
    return `cycle ${i}: ${(error as Error).stack ?? String(error)}`;
  } finally {
    mine.close();
    if (child.exitCode !== null) child.close();
  }
}

/** `count` start→join cycles under `method`. */
export async function cycles(method: StartMethod, count: number): Promise<Row> {
  const startedAt = performance.now();
  const failures = new Failures();
  const warmUp = Math.min(200, Math.max(1, Math.floor(count / 10)));
  let before: Usage | null = null;
  let fdsBefore: string[] = [];
  for (let i = 0; i < count + warmUp; i++) {
    if (i === warmUp) {
      before = await measure();
      fdsBefore = describeFds();
    }
    const failure = await cycle(method, i);
    if (failure !== null) failures.add(failure);
  }
  const after = await measure();
  const start = before as Usage;
  const grew = (what: keyof Usage, tolerance = 0) => {
    if (after[what] > start[what] + tolerance) failures.add(`${what} grew: ${start[what]} → ${after[what]}`);
  };
  grew('fds');
  if (after.fds > start.fds) {
    const now = describeFds().filter((fd) => !fdsBefore.includes(fd));
    failures.add(`new fds: ${now.slice(0, 10).join(', ')}`);
  }
  grew('shmEntries');
  grew('shmMappings');
  grew('heapBytes', HEAP_TOLERANCE);
  grew('rssBytes', RSS_TOLERANCE);
  grew('children'); // the fork server, started in the warm-up, is counted before and after
  grew('zombies');
  const mib = (n: number) => (n / 1048576).toFixed(1);
  const figures =
    `fds ${start.fds}→${after.fds}, /dev/shm ${start.shmEntries}→${after.shmEntries}, shm maps ${start.shmMappings}→${after.shmMappings}, ` +
    `children ${start.children}→${after.children}, zombies ${start.zombies}→${after.zombies}, heap ${mib(start.heapBytes)}→${mib(after.heapBytes)} MiB, RSS ${mib(start.rssBytes)}→${mib(after.rssBytes)} MiB, ` +
    `${((performance.now() - startedAt) / (count + warmUp)).toFixed(1)} ms/cycle (after ${warmUp} warm-up)`;
  return row('start→join cycles', method, count, failures, figures, startedAt);
}
