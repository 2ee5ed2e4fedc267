// The manager's server at an address: a Listener (with the authkey handshake) whose accepted
// connections are served. Filled in over the Listener/Client layer.
import type { Server } from './server.ts';

/** A listening manager server. */
export interface Listening {
  readonly address: string | [string, number];
  close(): void;
}

/** Listen at `address` and serve each authenticated connection with `server`. */
export function listenFor(server: Server, address: string | [string, number], authkey: Uint8Array | null): Promise<Listening> {
  void server;
  void authkey;
  return Promise.reject(new Error(`Listening at ${JSON.stringify(address)} is not available yet.`));
}
