// The manager's process: builds its type table (built-ins by name, registered callables by
// reference or, under fork, by id), runs the initializer, serves the parent over its Pipe and
// other processes at its address, and ends when asked to shut down or when its parent is gone.
import { kSoleReader, type Connection } from '../connection/connection.ts';
import type { FnSpec } from '../pool/messages.ts';
import { resolveFunction } from '../pool/functions.ts';
import { globalState } from '../state.ts';
import { terminatePools } from './referents/pool.ts';
import { Server } from './server.ts';
import { listenFor, type Listening } from './listening.ts';
import { BUILTIN_TYPES, type ServerType } from './typeids.ts';

/** A typeid as sent to the manager's process. */
export interface TypeSpec {
  typeid: string;
  /** 'builtin': a Manager type known by name; null: the object is passed in (Python's callable=None). */
  create: FnSpec | 'builtin' | null;
  exposed: string[] | null;
  methodToTypeid: Record<string, string> | null;
}

/** What the manager's process is told at start. */
export interface ServerStart {
  types: TypeSpec[];
  /** Where to listen (null: a fresh unix socket in a private directory). */
  address: string | [string, number] | null;
  authkey: Uint8Array;
  initializer: FnSpec | null;
  initargs: unknown[];
}

/** Build the server's type table from the specs. */
export async function resolveTypes(specs: TypeSpec[]): Promise<Map<string, ServerType>> {
  const types = new Map<string, ServerType>();
  for (const spec of specs) {
    if (spec.create === 'builtin') {
      const builtin = BUILTIN_TYPES[spec.typeid];
      if (builtin === undefined) throw new TypeError(`Unknown built-in manager type \`${spec.typeid}\`.`);
      types.set(spec.typeid, builtin);
    } else {
      const create = spec.create === null ? null : ((await resolveFunction(spec.create)) as (...args: any[]) => unknown);
      types.set(spec.typeid, { create, exposed: spec.exposed, methodToTypeid: spec.methodToTypeid });
    }
  }
  return types;
}

/** The manager process's target (internal; exported so that spawn/forkserver children can import it). */
export async function managerServer(conn: Connection, start: ServerStart): Promise<void> {
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let listening: Listening | null = null;
  let server: Server | null = null;
  // The manager's process is a daemon of the process that started it, but it may start the
  // workers of its Pools (m.Pool()): it terminates them at shutdown, and they end with it.
  globalState().daemon = false;
  try {
    server = new Server(await resolveTypes(start.types), () => finish());
    if (start.initializer !== null) await (await resolveFunction(start.initializer))(...(start.initargs as never[]));
    listening = await listenFor(server, start.address, start.authkey);
    await conn.send(['ready', listening.address]);
  } catch (error) {
    await conn
      .send(['failed', error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error)])
      .catch(() => undefined);
    conn.close();
    return;
  }
  // The parent's connection: when it ends (its process is gone), so does the manager. The parent
  // closed its copy of this end once the process started: this process alone reads it.
  conn[kSoleReader]();
  void server.serve(conn).then(() => finish());
  await finished;
  listening?.close();
  server.closeAll();
  await terminatePools();
  // Replies already written are in the kernel's buffers; nothing else needs to run.
  process.exit(0);
}
