// This process's connections to managers, one per manager, found by address. A forked child
// starts with none (the copies it inherited belong to its parent's conversation).
import { registerAfterFork } from '../os/child.ts';
import type { Connection } from '../connection/connection.ts';
import { ManagerClient, type ManagerAddress } from './client.ts';
import { ManagerClosedError } from './errors.ts';

type Connector = (where: ManagerAddress) => Promise<Connection>;

const clients = new Map<string, ManagerClient | Promise<ManagerClient>>();
let connector: Connector | null = null;

registerAfterFork(() => clients.clear());

/** A manager's address as a map key. */
export function addressKey(address: ManagerAddress['address']): string {
  return typeof address === 'string' ? address : JSON.stringify(address);
}

/** Install how this process connects to a manager by address (the Listener/Client layer). */
export function setConnector(connect: Connector): void {
  connector = connect;
}

/** Make `client` the one this process uses for its manager's address. */
export function adoptClient(client: ManagerClient): void {
  if (client.where.address !== null) clients.set(addressKey(client.where.address), client);
}

/** Connect a new client to `where` and say hello (the manager learns our pid). */
export async function openClient(where: ManagerAddress): Promise<ManagerClient> {
  if (where.address === null) throw new ManagerClosedError('This manager has no address (it was reached through its Pipe only): its proxies cannot be used in another process.');
  if (connector === null) throw new ManagerClosedError('Connecting to a manager by address is not available in this build.');
  const client = new ManagerClient(await connector(where), where);
  await client.call('', 'hello', [process.pid]);
  return client;
}

/** This process's client of the manager at `where` (connected on first use, reconnected when it died). */
export function clientFor(where: ManagerAddress): ManagerClient | Promise<ManagerClient> {
  const key = addressKey(where.address);
  const known = clients.get(key);
  if (known !== undefined && !(known instanceof ManagerClient && known.dead)) return known;
  const opening = openClient(where).then(
    (client) => {
      clients.set(key, client);
      return client;
    },
    (error: unknown) => {
      clients.delete(key);
      throw error;
    },
  );
  clients.set(key, opening);
  return opening;
}
