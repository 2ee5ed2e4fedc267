// Pool: re-exports only.
export { Pool, poolClassFor } from './pool.ts';
export type { PoolOptions, CallOptions } from './options.ts';
export type { PoolEvents, PoolWorkerInfo, PoolWorkerExit, PoolWorkerExitReason } from './events.ts';
export type { TraceDocument, TraceEvent } from './trace.ts';
// Internal, exported so that spawned and fork-server workers can import their entry from the
// built package (a Process target must be an export of the module that defines it).
export { poolWorker } from './worker.ts';
