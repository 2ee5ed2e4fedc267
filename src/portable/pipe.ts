// Pipe() without the addon: two portable Connections whose sockets come from their Pair (pair.ts).
import type { Connection } from '../connection/connection.ts';
import { PortableConnection } from './connection.ts';
import { Pair } from './pair.ts';

/** Two connected portable ends: duplex, or `[reader, writer]` (both over one socket pair). */
export function portablePipe(duplex: boolean): [Connection, Connection] {
  const a = new PortableConnection({ readable: true, writable: duplex });
  const b = new PortableConnection({ readable: duplex, writable: true });
  const pair = new Pair(a, b);
  a.bindPair(pair);
  b.bindPair(pair);
  return [a as unknown as Connection, b as unknown as Connection];
}
