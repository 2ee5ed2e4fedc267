// Example 9: a Pool records its run as a Chrome trace, a timeline with one track per worker
// (start-up, each task or chunk, idle waits, a worker's death and its replacement).
// Run: npx tsx examples/09-pool-trace.ts [trace.json] [spawn|forkserver|fork]
// Then open the file in https://ui.perfetto.dev ("Open trace file") or chrome://tracing ("Load").
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMain, Pool, type StartMethod } from 'multiproc';

/** A task of uneven length: keeps the CPU busy for `ms` milliseconds. */
export function work(ms: number): number {
  const end = Date.now() + ms;
  while (Date.now() < end);
  return ms;
}

/** A task that kills its own worker: the trace shows the death, the lost task, the replacement. */
export function crash(): void {
  process.kill(process.pid, 'SIGKILL');
}

async function main(): Promise<void> {
  const path = process.argv[2] ?? join(tmpdir(), 'multiproc-pool-trace.json');
  const method = process.argv[3] as StartMethod | undefined; // default: the default start method
  {
    // `trace: path` writes the file when the pool ends (here at the end of the block);
    // `trace: true` only keeps it in memory for pool.trace() and pool.writeTrace(path).
    await using pool = new Pool({ processes: 3, trace: path, ...(method === undefined ? {} : { context: method }) });
    let done = 0;
    for await (const ms of pool.imapUnordered(work, [30, 5, 5, 20, 5, 40, 10, 5, 15])) done += ms;
    console.log(`imapUnordered: ${done} ms of work, one slice per item`);
    await pool.map(work, new Array<number>(24).fill(2), { chunksize: 4 });
    console.log('map: 24 items in 6 chunks, one slice per chunk');
    try {
      await pool.apply(crash, []);
    } catch (error) {
      console.log(`apply(crash): ${(error as Error).name}`);
    }
    await pool.map(work, [5, 5, 5], { chunksize: 1 });

    // The same trace, in memory: Chrome's JSON object format ({ traceEvents, ... }).
    const { traceEvents } = pool.trace();
    for (const track of traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.tid > 0)) {
      const tasks = traceEvents.filter((e) => e.tid === track.tid && e.ph === 'X' && e.cat === 'task');
      const events = traceEvents.filter((e) => e.tid === track.tid && e.ph === 'i').map((e) => e.name);
      console.log(`${String(track.args?.name)}: ${tasks.length} task slices${events.length > 0 ? `, ${events.join(', ')}` : ''}`);
    }
  }
  console.log(`trace written to ${path}`);
  console.log('open it in https://ui.perfetto.dev (Open trace file) or chrome://tracing (Load)');
}

// The guard: workers import this module to find the tasks; only the main script makes a Pool.
// (No top-level await: a fork-server worker may load this file as CommonJS under tsx.)
if (isMain(import.meta)) void main();
