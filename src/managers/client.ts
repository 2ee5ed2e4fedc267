// A process's connection to one manager (Python opens one per thread; here one per process,
// shared by every proxy, with calls multiplexed by request id). It reads only while calls are
// pending, so an idle manager connection never keeps a process alive; when the manager goes
// away every pending and later call rejects with ManagerClosedError.
import type { Connection } from '../connection/connection.ts';
import { ConnectionClosedError } from '../connection/errors.ts';
import type { WireError } from '../pool/messages.ts';
import { ManagerClosedError, ManagerProtocolError } from './errors.ts';
import { checkReply, type Request } from './protocol.ts';
import { rebuildRemoteError } from './remote-errors.ts';

interface Pending {
  resolve(value: unknown): void;
  /** Turns the result into what the call resolves to (proxy markers into proxies), or null. */
  decode: ((value: unknown) => unknown) | null;
  reject(error: Error): void;
  signal: AbortSignal | undefined;
}

/** Where a manager is and the key to it (what a proxy carries to other processes). */
export interface ManagerAddress {
  /** A unix socket path or `host:port`; null for a manager reachable only through its Pipe. */
  address: string | [string, number] | null;
  authkey: Uint8Array | null;
}

/** The multiplexed connection of this process to one manager. */
export class ManagerClient {
  readonly where: ManagerAddress;
  /** Internal (proxy.ts): turns results into values with proxies, made once per client. */
  decoder: ((value: unknown) => unknown) | null = null;
  readonly #conn: Connection;
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  #reading = false;
  #dead: ManagerClosedError | null = null;

  constructor(conn: Connection, where: ManagerAddress) {
    this.#conn = conn;
    this.where = where;
  }

  /** True once the manager is known to be gone (or close() was called). */
  get dead(): boolean {
    return this.#dead !== null;
  }

  /**
   * Call `method` of the object `objectId` ('' is the manager itself); rejects with the manager's
   * error. `decode` turns a result that is an object into what the call resolves to.
   */
  call(
    objectId: string,
    method: string,
    args: unknown[],
    signal?: AbortSignal,
    decode: ((value: unknown) => unknown) | null = null,
  ): Promise<unknown> {
    if (this.#dead !== null) return Promise.reject(this.#dead);
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    const id = ++this.#next;
    const request: Request = [id, objectId, method, args];
    return new Promise<unknown>((resolve, reject) => {
      const pending: Pending = { resolve, decode, reject, signal };
      this.#pending.set(id, pending);
      if (signal !== undefined) {
        const onAbort = () => this.notify('', 'cancel', [id]);
        signal.addEventListener('abort', onAbort, { once: true });
        const settle = () => signal.removeEventListener('abort', onAbort);
        pending.resolve = (v) => (settle(), resolve(v));
        pending.reject = (e) => (settle(), reject(e));
      }
      this.#conn.send(request).catch((error: unknown) => this.#fail(error));
      if (!this.#reading) void this.#read();
    });
  }

  /** Send a request that needs no reply (decref). Ignored once the manager is gone. */
  notify(objectId: string, method: string, args: unknown[]): void {
    if (this.#dead !== null) return;
    this.#conn.send([0, objectId, method, args] satisfies Request).catch((error: unknown) => this.#fail(error));
  }

  /** Close this process's connection; pending calls reject. */
  close(): void {
    this.#fail(new ManagerClosedError('The connection to the manager was closed in this process.'));
  }

  async #read(): Promise<void> {
    this.#reading = true;
    try {
      while (this.#pending.size > 0 && this.#dead === null) {
        const [id, status, value] = checkReply(await this.#conn.recv());
        const pending = this.#pending.get(id);
        if (pending === undefined) continue;
        this.#pending.delete(id);
        if (status !== 0) pending.reject(this.#remoteError(value as WireError, pending.signal));
        else if (pending.decode === null || typeof value !== 'object' || value === null) pending.resolve(value);
        else this.#decoded(pending, value);
      }
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#reading = false;
    }
  }

  #decoded(pending: Pending, value: unknown): void {
    let decoded: unknown;
    try {
      decoded = (pending.decode as (value: unknown) => unknown)(value);
    } catch (error) {
      pending.reject(error as Error);
      return;
    }
    pending.resolve(decoded);
  }

  #remoteError(wire: WireError, signal: AbortSignal | undefined): Error {
    if (wire.name === 'AbortError' && signal?.aborted === true)
      return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
    return rebuildRemoteError(wire);
  }

  #fail(error: unknown): void {
    if (this.#dead === null) {
      const shown = this.where.address === null ? 'its Pipe' : JSON.stringify(this.where.address);
      const why =
        error instanceof ManagerClosedError
          ? error
          : error instanceof ConnectionClosedError || error instanceof ManagerProtocolError
            ? new ManagerClosedError(`The manager (at ${shown}) is gone: it was shut down, or its process ended. Start it again.`, {
                cause: error,
                address: String(this.where.address),
              })
            : new ManagerClosedError(`The connection to the manager (at ${shown}) failed: ${(error as Error)?.message ?? String(error)}`, {
                cause: error,
              });
      this.#dead = why;
      this.#conn.close();
    }
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(this.#dead);
  }
}
