// This process's connections to managers, one per manager, found by address. A forked child
// starts with none (the copies it inherited belong to its parent's conversation).
import { untilAborted } from '../abortable.ts';
import { Client } from '../connection/client.ts';
import { registerAfterFork } from '../os/child.ts';
import { ManagerClient, type ManagerAddress } from './client.ts';
import { ManagerClosedError } from './errors.ts';

const clients = new Map<string, ManagerClient | Promise<ManagerClient>>();

registerAfterFork(() => clients.clear());

/** A manager's address as a map key. */
export function addressKey(address: ManagerAddress['address']): string {
  return typeof address === 'string' ? address : JSON.stringify(address);
}

/** Make `client` the one this process uses for its manager's address. */
export function adoptClient(client: ManagerClient): void {
  if (client.where.address !== null) clients.set(addressKey(client.where.address), client);
}

/** Connect a new client to `where` and say hello (the manager learns our pid); `signal` gives up (nothing stays open). */
export async function openClient(where: ManagerAddress, signal?: AbortSignal): Promise<ManagerClient> {
  if (where.address === null) throw new ManagerClosedError('This manager has no address: its proxies cannot be used in another process.');
  let conn;
  try {
    conn = await Client(where.address, { authkey: where.authkey ?? null, ...(signal === undefined ? {} : { signal }) });
  } catch (error) {
    if (signal?.aborted === true && error === signal.reason) throw error;
    if (error instanceof Error && error.name === 'AuthenticationError') throw error;
    throw new ManagerClosedError(
      `Cannot reach the manager at ${JSON.stringify(where.address)}: ${(error as Error).message}. Is it running?`,
      { cause: error, address: addressKey(where.address) },
    );
  }
  const client = new ManagerClient(conn, where);
  try {
    await untilAborted(client.call('', 'hello', [process.pid]), signal);
  } catch (error) {
    client.close();
    throw error;
  }
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
