// Waiting on what the cluster tests watch: lines in a log file (a task started), queue counts.
import { existsSync, readFileSync, watch } from 'node:fs';
import { dirname } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';

/** Resolves once `path` has at least `n` lines (fs.watch on its directory). */
export function waitForLines(path: string, n: number, timeoutMs = 30_000): Promise<string[]> {
  const lines = () => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);
  return new Promise((resolve, reject) => {
    const check = () => {
      const now = lines();
      if (now.length >= n) done(null, now);
    };
    const watcher = watch(dirname(path), check);
    const timer = setTimeout(() => done(new Error(`timed out waiting for ${n} lines in ${path} (have ${lines().length})`)), timeoutMs);
    function done(error: Error | null, now: string[] = []): void {
      clearTimeout(timer);
      watcher.close();
      if (error === null) resolve(now);
      else reject(error);
    }
    check();
  });
}

/** The job counts of `queue` (wait, active, completed, failed, delayed …). */
export async function queueCounts(socket: string, queue: string): Promise<Record<string, number>> {
  const q = new Queue(queue, { connection: { path: socket } });
  try {
    return await q.getJobCounts();
  } finally {
    await q.close();
  }
}

/** Resolves once `queue`'s event stream (read from its start) holds `n` events named `event`. */
export async function waitForEvents(socket: string, queue: string, event: 'waiting' | 'active' | 'completed', n: number): Promise<void> {
  const events = new QueueEvents(queue, { connection: { path: socket }, lastEventId: '0-0' });
  try {
    await new Promise<void>((resolve) => {
      let seen = 0;
      events.on(event, () => {
        if (++seen === n) resolve();
      });
    });
  } finally {
    await events.close();
  }
}
