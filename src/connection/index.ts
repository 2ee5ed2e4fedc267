// Connections: Pipe, Connection, waitReady and their errors. Re-exports only.
export { Connection, type RecvOptions } from './connection.ts';
export { Pipe } from './pipe.ts';
export { waitReady, type Waitable } from './wait-ready.ts';
export { ConnectionClosedError, MessageTooLongError, type ClosedBy } from './errors.ts';
