// The manager's server at an address: a Listener whose connections are authenticated with the
// manager's authkey (Python's managers always authenticate, unix sockets included) and served.
// A peer that fails the handshake or sends garbage is dropped; the others go on being served.
import type { Connection } from '../connection/connection.ts';
import { Listener } from '../connection/listener.ts';
import type { Server } from './server.ts';

/** A listening manager server. */
export interface Listening {
  readonly address: string | [string, number];
  close(): void;
}

/** Listen at `address` (null: a fresh unix socket in a private directory) and serve each authenticated connection. */
export function listenFor(server: Server, address: string | [string, number] | null, authkey: Uint8Array): Promise<Listening> {
  const listener = new Listener({ address, authkey });
  void (async () => {
    while (!listener.closed) {
      let conn: Connection;
      try {
        conn = await listener.accept();
      } catch {
        continue; // a peer that failed authentication (or the listener closing: the loop ends)
      }
      void server.serve(conn);
    }
  })();
  const bound = listener.address;
  return Promise.resolve({ address: typeof bound === 'string' ? bound : [bound[0], bound[1]], close: () => listener.close() });
}
