// multiproc/cluster: re-exports only.
export { Pool } from './pool.ts';
export { serveWorker, type WorkerHost, type HostStats } from './host.ts';
export { TaskImportError } from './task-functions.ts';
export type { ClusterPoolOptions, ClusterCallOptions, WorkerHostOptions } from './options.ts';
export type { RedisTarget } from './connection.ts';
export { RedisConnectionError, WorkerLostError, TimeoutError, SerializationError, ProcessError } from '../errors.ts';
