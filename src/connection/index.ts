// Connections: Pipe, Connection, Listener, Client, wait and their errors. Re-exports only.
export { Connection, type RecvOptions } from './connection.ts';
export { Pipe } from './pipe.ts';
export { Listener } from './listener.ts';
export type { ListenerOptions, AcceptOptions } from './listener-options.ts';
export { Client, type ClientOptions } from './client.ts';
export type { Address, Family } from './address.ts';
export { wait, waitReady, type Waitable } from './wait-ready.ts';
export { ConnectionClosedError, MessageTooLongError, AuthenticationError, type ClosedBy } from './errors.ts';
