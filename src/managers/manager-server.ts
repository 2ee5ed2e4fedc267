// A manager's server run in the calling process (Python's get_server().serve_forever()): other
// processes connect() to its address with the authkey.
import { ProcessStateError } from '../errors.ts';
import { listenFor, type Listening } from './listening.ts';
import { resolveTypes, type TypeSpec } from './server-main.ts';
import { Server } from './server.ts';

/** A manager's server in this process: serveForever() until shutdown() (here, or by a client). */
export class ManagerServer {
  readonly #types: TypeSpec[];
  readonly #authkey: Uint8Array;
  #address: string | [string, number] | null;
  #listening: Listening | null = null;
  #stop: (() => void) | null = null;
  #served = false;

  /** Internal: use manager.getServer(). */
  constructor(types: TypeSpec[], address: string | [string, number] | null, authkey: Uint8Array) {
    this.#types = types;
    this.#address = address;
    this.#authkey = authkey;
  }

  /** Where it listens (known once serveForever() has started listening). */
  get address(): string | [string, number] | null {
    return this.#listening?.address ?? this.#address;
  }

  /** Listen and serve; resolves once shut down. `onListening` learns the address (port 0: the one chosen). */
  async serveForever(onListening?: (address: string | [string, number]) => void): Promise<void> {
    if (this.#served) throw new ProcessStateError('serveForever() was already called on this server.');
    this.#served = true;
    const stopped = new Promise<void>((resolve) => (this.#stop = resolve));
    const server = new Server(await resolveTypes(this.#types), () => this.shutdown());
    this.#listening = await listenFor(server, this.#address, this.#authkey);
    this.#address = this.#listening.address;
    onListening?.(this.#listening.address);
    await stopped;
    this.#listening.close();
    server.closeAll();
  }

  /** Stop serving: serveForever() resolves. */
  shutdown(): void {
    this.#stop?.();
  }
}
