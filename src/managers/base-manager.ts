// BaseManager (Python's managers.BaseManager): starts a server process holding shared objects
// (start()), or connects to one at an address (connect()), or serves in this process
// (getServer().serveForever()); creates objects by typeid and hands out their proxies.
import { checkAbortSignal, untilAborted } from '../abortable.ts';
import { socketPipe } from '../connection/pipe.ts';
import type { Connection } from '../connection/connection.ts';
import { ProcessStateError } from '../errors.ts';
import { typeError } from '../options.ts';
import { startMethodImpl } from '../launcher/registry.ts';
import type { Process } from '../process.ts';
import { ManagerClient } from './client.ts';
import { adoptClient, openClient } from './clients.ts';
import { ManagerClosedError } from './errors.ts';
import { normalizeManagerOptions, type ManagerOptions, type NormalizedManagerOptions } from './options.ts';
import { encodeArgs, makeProxy, type BaseProxy } from './proxy.ts';
import { registerType, registryOf, typeSpecsOf, type RegisterOptions } from './registry.ts';
import { managerServer } from './server-main.ts';
import { ManagerServer } from './manager-server.ts';
import { awaitReady, defaultAuthkey, endProcess, functionSpec } from './start-support.ts';

type State = 'initial' | 'started' | 'connected' | 'shutdown';
let started = 0;

/**
 * Options of start(): a function run in the manager's process before it serves (exported, under
 * spawn/forkserver), and a `signal` that gives up starting (the manager's process is ended).
 */
export interface StartOptions {
  initializer?: (...args: any[]) => unknown;
  initargs?: unknown[];
  signal?: AbortSignal;
}

/** Options of connect(): a `signal` that gives up connecting (and authenticating). */
export interface ConnectOptions {
  signal?: AbortSignal;
}

/** A manager of shared objects: start() a server process, or connect() to one. */
export class BaseManager {
  readonly #options: NormalizedManagerOptions;
  #state: State = 'initial';
  #process: Process | null = null;
  #client: ManagerClient | null = null;
  #address: string | [string, number] | null = null;

  constructor(options?: ManagerOptions) {
    this.#options = normalizeManagerOptions(options);
    this.#address = this.#options.address ?? null;
  }

  /** Record `typeid` on this manager class: `m.create(typeid, …args)` (and `m[typeid](…)`) makes one in the manager. */
  static register(
    typeid: string,
    callable?: ((...args: any[]) => unknown) | (new (...args: any[]) => unknown) | null,
    options?: RegisterOptions,
  ): void {
    const registration = registerType(this, typeid, callable, options);
    if (options?.createMethod !== false && !Object.hasOwn(this.prototype, typeid)) {
      Object.defineProperty(this.prototype, typeid, {
        value: function (this: BaseManager, ...args: unknown[]) {
          return this.create(registration.typeid, ...args);
        },
        configurable: true,
        writable: true,
      });
    }
  }

  /** Create and start a manager in one step: `await using m = await Manager.start()`. */
  static async start<M extends BaseManager>(
    this: new (options?: ManagerOptions) => M,
    options?: ManagerOptions & StartOptions,
  ): Promise<M> {
    const manager = new this(options);
    await manager.start(options);
    return manager;
  }

  /** Where the manager listens (null before start, or when it has no address). */
  get address(): string | [string, number] | null {
    return this.#address;
  }

  /** The manager's process (null when connected to a manager started elsewhere). */
  get process(): Process | null {
    return this.#process;
  }

  /**
   * Start the manager's process and connect to it (Python's start(initializer, initargs)). When
   * `signal` aborts first, the manager's process is ended and this rejects with the signal's
   * reason once it has (the manager is then shut down).
   */
  async start(options: StartOptions = {}): Promise<void> {
    if (this.#state !== 'initial')
      throw new ProcessStateError(
        `This manager was already ${this.#state === 'shutdown' ? 'shut down' : this.#state}; create a new one to start.`,
      );
    if (typeof options !== 'object' || options === null) typeError('options', 'an object', options);
    const signal = checkAbortSignal(options.signal);
    signal?.throwIfAborted();
    const { context } = this.#options;
    const fork = startMethodImpl(context.getStartMethod()).copiesMemory;
    const authkey = this.#options.authkey ?? defaultAuthkey();
    const [parentEnd, childEnd] = socketPipe(); // no lane: manager connections never spin (docs/DECISIONS.md)
    const process = new context.Process({
      target: managerServer,
      args: [
        childEnd,
        {
          types: typeSpecsOf(this.constructor, fork),
          address: this.#options.address ?? null,
          authkey,
          initializer: functionSpec(options.initializer, fork),
          initargs: [...(options.initargs ?? [])],
        },
      ],
      daemon: true,
    });
    process.name = `${this.constructor.name}-${++started}`;
    this.#state = 'started';
    try {
      process.start();
    } finally {
      childEnd.close(); // only the manager holds it now: end of file means it is gone
    }
    this.#process = process;
    const ready = this.#whenReady(parentEnd, authkey);
    try {
      await untilAborted(ready, signal);
    } catch (error) {
      if (signal?.aborted !== true || error !== signal.reason) throw error;
      ready.catch(() => undefined); // ends with the connection closed below
      this.#state = 'shutdown';
      this.#client?.close();
      parentEnd.close();
      await endProcess(process, this.#options.shutdownTimeoutMs);
      throw error;
    }
  }

  // The manager's ready word, then this process's client of it.
  async #whenReady(parentEnd: Connection, authkey: Uint8Array): Promise<void> {
    try {
      this.#address = await awaitReady(parentEnd, this.#process as Process);
    } catch (error) {
      this.#state = 'shutdown';
      throw error;
    }
    if (this.#state === 'shutdown') return; // aborted meanwhile
    this.#client = new ManagerClient(parentEnd, { address: this.#address, authkey });
    adoptClient(this.#client);
    await this.#client.call('', 'hello', [globalThis.process.pid]);
  }

  /**
   * Connect to a manager already running at `address` (Python's connect()). `signal` gives up
   * connecting and authenticating (rejects with its reason; nothing stays open).
   */
  async connect(options: ConnectOptions = {}): Promise<void> {
    if (this.#state !== 'initial') throw new ProcessStateError(`This manager was already ${this.#state}; create a new one to connect.`);
    if (typeof options !== 'object' || options === null) typeError('options', 'an object', options);
    const signal = checkAbortSignal(options.signal);
    if (this.#options.address === undefined)
      throw new TypeError("connect() needs the manager's `address` (new BaseManager({ address, authkey })).");
    signal?.throwIfAborted();
    this.#client = await openClient({ address: this.#options.address, authkey: this.#options.authkey ?? defaultAuthkey() }, signal);
    adoptClient(this.#client);
    this.#state = 'connected';
  }

  /** A server for this manager's types that runs in this process (Python's get_server()). */
  getServer(): ManagerServer {
    if (this.#state !== 'initial') throw new ProcessStateError('getServer() is for a manager that was neither started nor connected.');
    return new ManagerServer(typeSpecsOf(this.constructor, true), this.#options.address ?? null, this.#options.authkey ?? defaultAuthkey());
  }

  /** Create a shared object of a registered `typeid` in the manager; resolves to its proxy. */
  async create<P extends BaseProxy = BaseProxy>(typeid: string, ...args: unknown[]): Promise<P> {
    const client = this.#connected('create');
    const registration = registryOf(this.constructor).get(typeid);
    if (registration === undefined)
      throw new TypeError(
        `\`${typeid}\` is not registered on ${this.constructor.name}: call ${this.constructor.name}.register('${typeid}', callable) first.`,
      );
    const [id, exposed] = (await client.call('', 'create', [typeid, ...encodeArgs(args, client.where)])) as [string, string[]];
    return makeProxy(registration.proxyType, typeid, id, exposed, client) as P;
  }

  /** Internal (subclasses): call one of the server's own methods. */
  protected callServer(method: string, ...args: unknown[]): Promise<unknown> {
    return this.#connected(method).call('', method, args);
  }

  /** Number of shared objects in the manager (Python's _number_of_objects). */
  async numberOfObjects(): Promise<number> {
    return (await this.#connected('numberOfObjects').call('', 'numberOfObjects', [])) as number;
  }

  /** Stop the manager's process (after its reply; terminated if it does not end within shutdownTimeoutMs). */
  async shutdown(): Promise<void> {
    const state = this.#state;
    this.#state = 'shutdown';
    const client = this.#client;
    if (state === 'shutdown' || client === null) return;
    if (state === 'started') {
      await client.call('', 'shutdown', []).catch(() => undefined); // already gone: nothing to ask
      client.close();
      const child = this.#process as Process;
      await child.join(this.#options.shutdownTimeoutMs);
      await endProcess(child, this.#options.shutdownTimeoutMs);
    } else client.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  #connected(what: string): ManagerClient {
    if (this.#state === 'shutdown') throw new ManagerClosedError(`Cannot ${what}: this manager was shut down.`);
    if (this.#client === null) throw new ProcessStateError(`Cannot ${what}: start() or connect() the manager first.`);
    return this.#client;
  }
}
