// A plain BullMQ worker that echoes each job's data: the baseline of the cluster-rate group.
// Usage: node bullmq-echo.mjs SOCKET QUEUE CONCURRENCY; prints `ready`, ends on SIGTERM.
import { Worker } from 'bullmq';

const [socket, queue, concurrency] = process.argv.slice(2);
const worker = new Worker(queue, async (job) => job.data, { connection: { path: socket }, concurrency: Number(concurrency ?? 1) });
worker.on('error', () => undefined);
await worker.waitUntilReady();
console.log('ready');
process.once('SIGTERM', () => void worker.close().then(() => process.exit(0)));
