// BaseProxy (Python's managers.BaseProxy): a handle on one shared object in a manager. Each proxy
// holds one reference to its object, given back when the proxy is collected or release()d, so
// the object lives while some proxy of it does. Passed to a child process it reduces to the
// manager's address, authkey and the object's id; the child's copy takes a reference of its own.
import { kReduce, registerRebuilder, type HandleDescriptor, type ReceivedHandle } from '../reduction.ts';
import { ProcessStateError } from '../errors.ts';
import type { ManagerAddress, ManagerClient } from './client.ts';
import { clientFor } from './clients.ts';
import { mapObjects, marker, readMarker } from './protocol.ts';

/** Marks proxies (registered: every copy of the library agrees). */
export const kProxy = Symbol.for('multiproc.manager.proxy');

/** What identifies a shared object (Python's Token): its type, its manager, its id there. */
export interface Token {
  readonly typeid: string;
  readonly id: string;
  readonly where: ManagerAddress;
}

// A proxy's reference, as the finalizer sees it (it must not hold the proxy).
interface Reference {
  token: Token;
  client: ManagerClient | null;
  /** The process that holds it (a forked copy does not, until it takes its own). */
  pid: number;
  released: boolean;
}

const finalizer = new FinalizationRegistry<Reference>((ref) => giveBack(ref));

function giveBack(ref: Reference): void {
  if (ref.released || ref.pid !== process.pid || ref.client === null) return;
  ref.released = true;
  ref.client.notify('', 'decref', [ref.token.id]);
}

/** Constructs a proxy class's instance for a token (every proxy class has this constructor). */
export type ProxyClass<P extends BaseProxy = BaseProxy> = new (
  token: Token,
  client: ManagerClient | null,
  exposed: readonly string[] | null,
) => P;

const proxyTypes = new Map<string, ProxyClass>();
let fallbackType: ProxyClass | null = null;

/** The proxy class of a typeid this process never registered (AutoProxy, set by its module). */
export function setFallbackProxyType(type: ProxyClass): void {
  fallbackType = type;
}

/** The proxy class used for objects of `typeid` received inside values (set by register()). */
export function setProxyType(typeid: string, type: ProxyClass): void {
  proxyTypes.set(typeid, type);
}

/** A handle on a shared object; subclasses give it typed async methods. */
export class BaseProxy {
  readonly #ref: Reference;
  readonly #exposed: readonly string[] | null;

  /**
   * Internal: proxies come from a manager (`m.dict()`, `m.create()`) or from values it returns.
   * `client` non-null: this process already holds a reference for it (the manager counted it).
   */
  constructor(token: Token, client: ManagerClient | null, exposed: readonly string[] | null = null) {
    this.#ref = { token, client, pid: client === null ? 0 : process.pid, released: false };
    this.#exposed = exposed;
    finalizer.register(this, this.#ref, this.#ref);
  }

  /** The shared object's typeid, manager and id. */
  get token(): Token {
    return this.#ref.token;
  }

  /** Methods the manager lets this proxy call (null when not known here). */
  get exposed(): readonly string[] | null {
    return this.#exposed;
  }

  /** Call `method` on the shared object in the manager's process (Python's _callmethod). */
  callMethod(method: string, args: unknown[] = [], signal?: AbortSignal): Promise<any> {
    if (this.#ref.released)
      return Promise.reject(
        new ProcessStateError(`This proxy of a shared ${this.#ref.token.typeid} was disposed; use another proxy of it.`),
      );
    const encoded = encodeArgs(args, this.#ref.token.where);
    const client = this.#ref.client;
    // This process's connection, even a dead one: its references died with it (ManagerClosedError).
    if (client !== null && this.#ref.pid === process.pid)
      return client.call(this.#ref.token.id, method, encoded, signal, decoderOf(client));
    return this.#own().then((c) => c.call(this.#ref.token.id, method, encoded, signal, decoderOf(c)));
  }

  /** Give this proxy's reference back now (instead of when it is collected); the proxy is unusable afterwards. */
  dispose(): void {
    finalizer.unregister(this.#ref);
    giveBack(this.#ref);
    this.#ref.released = true;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Internal: reduce to what a child needs to reach the object (the manager's address and key). */
  [kReduce](): HandleDescriptor {
    const { token } = this.#ref;
    if (token.where.address === null)
      throw new TypeError(`This proxy of a shared ${token.typeid} cannot be sent to another process: its manager has no address.`);
    return {
      kind: 'multiproc.managerProxy',
      data: {
        typeid: token.typeid,
        id: token.id,
        address: token.where.address,
        authkey: token.where.authkey,
        exposed: this.#exposed,
        cls: this.constructor.name,
      },
      fds: [],
    };
  }

  /** Internal: take this process's own reference (a proxy rebuilt in a child, or copied by fork). */
  #own(): Promise<ManagerClient> {
    const ref = this.#ref;
    const found = clientFor(ref.token.where);
    const take = async (client: ManagerClient) => {
      if (ref.pid !== process.pid || ref.client !== client) {
        ref.client = client;
        ref.pid = process.pid;
        await client.call('', 'incref', [ref.token.id, ref.token.typeid]);
      }
      return client;
    };
    return found instanceof Promise ? found.then(take) : take(found);
  }

  /** Internal: a child's rebuilt proxy takes its reference at once (the parent may drop its own). */
  adopt(): void {
    this.#own().catch(() => undefined); // a failure shows again at the first call
  }

  toString(): string {
    return `<${this.constructor.name} of ${this.#ref.token.typeid} ${this.#ref.token.id}>`;
  }
}

/** True for a proxy of any manager. */
export function isProxy(value: unknown): value is BaseProxy {
  return value instanceof BaseProxy || (typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kProxy] === true);
}
Object.defineProperty(BaseProxy.prototype, kProxy, { value: true });

/** Arguments for the manager at `where`: its proxies travel as markers (another manager's: TypeError). */
export function encodeArgs(args: unknown[], where: ManagerAddress): unknown[] {
  if (args.length === 0) return args;
  return mapObjects(args, (o) => (isProxy(o) ? proxyMarker(o, where) : o)) as unknown[];
}

function proxyMarker(proxy: BaseProxy, where: ManagerAddress): object {
  const { token } = proxy;
  if (token.where !== where && JSON.stringify(token.where.address) !== JSON.stringify(where.address)) {
    throw new TypeError(
      `A proxy of another manager (a shared ${token.typeid}) cannot be stored in this one; store plain values, or objects of this manager.`,
    );
  }
  return marker(token.typeid, token.id);
}

// The decoder of a client's results, made once per client.
function decoderOf(client: ManagerClient): (value: unknown) => unknown {
  return (client.decoder ??= (value) => decodeValue(value, client));
}

/** A value received from the manager: its markers become proxies (each holds the reference the manager counted for it). */
export function decodeValue(value: unknown, client: ManagerClient): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return mapObjects(value, (object) => {
    const found = readMarker(object);
    if (found === null) return object;
    const Type = proxyTypes.get(found[0]) ?? fallbackType ?? BaseProxy;
    return new Type({ typeid: found[0], id: found[1], where: client.where }, client, null);
  });
}

/** Make the proxy of a newly created object (this process holds its first reference). */
export function makeProxy<P extends BaseProxy>(
  Type: ProxyClass<P>,
  typeid: string,
  id: string,
  exposed: readonly string[],
  client: ManagerClient,
): P {
  return new Type({ typeid, id, where: client.where }, client, exposed);
}

interface ProxyHandleData {
  typeid: string;
  id: string;
  address: string | [string, number];
  authkey: Uint8Array | null;
  exposed: string[] | null;
}

registerRebuilder('multiproc.managerProxy', (handle: ReceivedHandle) => {
  const data = handle.data as ProxyHandleData;
  const Type = proxyTypes.get(data.typeid) ?? fallbackType ?? BaseProxy;
  const proxy = new Type({ typeid: data.typeid, id: data.id, where: { address: data.address, authkey: data.authkey } }, null, data.exposed);
  proxy.adopt();
  return proxy;
});
