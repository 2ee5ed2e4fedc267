// Pool maps with a worker SIGKILLed in the middle: every call must either complete with the
// right results or reject with WorkerLostError, within a deadline (a call past it hung, which
// is a failure), and the pool must go on serving the next call. When the kill lands is learned
// at run time: three maps without a kill give the map's duration D, and each kill comes at a
// random moment in [0.1 D, 0.9 D] after the call was made. The pool is joined at the end: no
// worker, zombie or fd may be left (the fork server and shared-memory arenas, made before the
// pool, are counted before and after).
import { getContext, Pipe, type StartMethod } from '../../src/index.ts';
import { childrenOf, describeFds, measure, readStat } from './proc.ts';
import { random } from '../../test/wire/fuzz-input.ts';
import { Failures, HUNG, row, spread, within, type Row } from './row.ts';
import { nothing, sleepSquare } from './targets.ts';

const ITEMS = Array.from({ length: 24 }, (_, i) => i);
const EXPECTED = ITEMS.map((x) => x * x);
/** A map that has not settled after this long hung. */
const CALL_DEADLINE_MS = 60_000;

/** State and parent of `pid` (a hang's report: is the killed worker gone, a zombie, reaped?). */
function describeProcess(pid: number): string {
  const stat = readStat(pid);
  return stat === null ? 'gone' : `state ${stat.state}, parent ${stat.ppid}`;
}

/**
 * A Pipe made and closed, so the current arena exists. In a function of its own: an async
 * function's suspended frame may keep what it made before an await alive (V8 saves its registers),
 * and with it that Pipe's arena, which then looked like an fd leak of the pool.
 */
function makePipes(): void {
  for (const end of Pipe()) end.close();
}

/** `count` maps under `method`, a random worker SIGKILLed during each. */
export async function poolKills(method: StartMethod, count: number, seed = 0x9001): Promise<Row> {
  const startedAt = performance.now();
  const failures = new Failures();
  const next = random(seed);
  // Made before the measurement, as they stay: the fork server (for this process's life) and the
  // current shared-memory arena Pipes' lanes are carved from (it stays for the next Pipes,
  // src/shared-memory/arena.ts).
  const first = new (getContext(method).Process)({ target: nothing });
  first.start();
  if ((await within(first.join(), CALL_DEADLINE_MS)) === HUNG)
    failures.add(`a first child (pid ${first.pid}) did not end within ${CALL_DEADLINE_MS} ms`);
  makePipes();
  const before = await measure();
  const fdsBefore = describeFds();
  const pool = new (getContext(method).Pool)({ processes: 2 });
  const durations: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    if ((await within(pool.map(sleepSquare, ITEMS, { chunksize: 1 }), CALL_DEADLINE_MS)) === HUNG)
      failures.add(`calibration map ${i} (no kill) did not settle within ${CALL_DEADLINE_MS} ms`);
    durations.push(performance.now() - t0);
  }
  const mapMs = Math.min(durations.sort((a, b) => a - b)[1] as number, 1000);
  let completed = 0;
  let lost = 0;
  const killDelays: number[] = [];
  for (let i = 0; i < count; i++) {
    const call = pool.map(sleepSquare, ITEMS, { chunksize: 1 });
    const delay = mapMs * (0.1 + 0.8 * next());
    const victim = pool.pids[Math.floor(next() * pool.pids.length)] as number;
    killDelays.push(delay);
    const timer = setTimeout(() => {
      try {
        process.kill(victim, 'SIGKILL');
      } catch {
        // already replaced
      }
    }, delay);
    const outcome = await within(
      call.then(
        (results) => ({ results, error: null }),
        (error: unknown) => ({ results: null, error: error as Error }),
      ),
      CALL_DEADLINE_MS,
    );
    clearTimeout(timer);
    if (outcome === HUNG)
      failures.add(
        `map ${i}: not settled after ${CALL_DEADLINE_MS} ms (worker ${victim} killed after ${delay.toFixed(0)} ms; now ${describeProcess(victim)}; workers ${pool.pids.map((pid) => `${pid} ${describeProcess(pid)}`).join(', ')})`,
      );
    else if (outcome.error !== null) {
      if (outcome.error.name === 'WorkerLostError') lost++;
      else failures.add(`map ${i}: rejected with ${outcome.error.name}: ${outcome.error.message}`);
    } else if (JSON.stringify(outcome.results) === JSON.stringify(EXPECTED)) completed++;
    else failures.add(`map ${i}: wrong results ${JSON.stringify(outcome.results).slice(0, 100)}`);
  }
  pool.close();
  const joined = await within(pool.join(), CALL_DEADLINE_MS);
  if (joined === HUNG) {
    failures.add(`join() did not end within ${CALL_DEADLINE_MS} ms`);
    if ((await within(pool.terminate(), CALL_DEADLINE_MS)) === HUNG)
      failures.add(`terminate() did not end within ${CALL_DEADLINE_MS} ms either (workers ${pool.pids.join(', ')})`);
  }
  const after = await measure();
  if (after.zombies > before.zombies) failures.add(`${after.zombies - before.zombies} zombies after join()`);
  if (after.children > before.children)
    failures.add(`${after.children - before.children} more children after join(): ${JSON.stringify(childrenOf())}`);
  if (after.fds > before.fds)
    failures.add(
      `fds grew: ${before.fds} → ${after.fds} (new: ${describeFds()
        .filter((fd) => !fdsBefore.includes(fd))
        .join(', ')})`,
    );
  if (completed + lost + failures.count < count) failures.add(`only ${completed + lost} of ${count} maps accounted for`);
  const figures = `completed ${completed}, WorkerLostError ${lost}, map ${mapMs.toFixed(0)} ms, kill after ${spread(killDelays)}, fds ${before.fds}→${after.fds}, zombies ${after.zombies}`;
  return row('Pool map, worker SIGKILLed', method, count, failures, figures, startedAt);
}
