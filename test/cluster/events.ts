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
export async function waitForEvents(
  socket: string,
  queue: string,
  event: 'waiting' | 'active' | 'completed' | 'failed',
  n: number,
  timeoutMs = 30_000,
): Promise<void> {
  const events = new QueueEvents(queue, { connection: { path: socket }, lastEventId: '0-0' });
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      let seen = 0;
      timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${n} '${event}' events of queue ${queue} (have ${seen})`)),
        timeoutMs,
      );
      events.on(event, () => {
        if (++seen === n) resolve();
      });
    });
  } finally {
    clearTimeout(timer);
    await events.close();
  }
}
