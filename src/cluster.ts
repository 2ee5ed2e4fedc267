// The `multiproc/cluster` entry: the Pool over worker hosts on BullMQ and Redis, and serveWorker.
import { loadEngine } from './cluster/bullmq.ts';

loadEngine(); // without BullMQ, importing multiproc/cluster fails here, saying `npm install bullmq`

export * from './cluster/index.ts';
