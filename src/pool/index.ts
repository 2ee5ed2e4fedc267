// Pool: re-exports only.
export { Pool, poolClassFor } from './pool.ts';
export type { PoolOptions } from './pool.ts';
export type { CallOptions } from './options.ts';
export type { PoolEvents, PoolWorkerInfo, PoolWorkerExit, PoolWorkerExitReason } from './events.ts';
export type { TraceDocument, TraceEvent } from './trace.ts';
