// Calls on a portable object (server.ts): straight to the object in the process that serves it,
// else over one socket per serving process, opened on first use. Requests on one socket are
// handled in the order sent, so a release() sent without waiting comes before a later acquire().
// The socket is ref'd only while a call waits. When the serving process is gone, calls reject
// with an error that says so. A push (an object's new state) goes to the listener watching it.
import { connect, type Socket } from 'node:net';
import { deserialize, serialize } from 'node:v8';
import { ProcessError } from '../errors.ts';
import { Tag } from '../wire/protocol.ts';
import { FrameCutter, frameOf } from './frames.ts';
import { fromWire, type ObjectSpec, type Reply, type Request } from './protocol.ts';
import { call, localSession, objectOf } from './server.ts';

const MAX_FRAME = 1024 * 1024 * 1024;

/** Where a portable object lives: its spec, the serving process and its address. */
export interface ObjectHandle {
  spec: ObjectSpec;
  address: string;
  pid: number;
  /** What the object is, for errors (`Queue`). */
  what: string;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

class Remote {
  readonly #socket: Socket;
  readonly #pending = new Map<number, Pending>();
  readonly #handle: ObjectHandle;
  #nextReq = 1;
  #failure: Error | null = null;
  #sentPid = false;

  constructor(handle: ObjectHandle) {
    this.#handle = handle;
    const socket = connect(handle.address);
    const cutter = new FrameCutter(MAX_FRAME);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of cutter.push(chunk)) this.#reply(deserialize(frame.payload) as Reply);
    });
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () => this.#fail(null));
    socket.unref();
    this.#socket = socket;
  }

  request(spec: ObjectSpec, op: string, args: unknown[], signal: AbortSignal | undefined): Promise<unknown> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    const req = this.#nextReq++;
    const message: Request & { pid?: number } = { req, spec, op, args };
    if (!this.#sentPid) {
      message.pid = process.pid;
      this.#sentPid = true;
    }
    this.#write(message);
    this.#socket.ref();
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#pending.delete(req);
        this.#write({ cancel: req });
        this.#idle();
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.#pending.set(req, {
        resolve: (value) => {
          done();
          resolve(value);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
    });
  }

  #write(message: Request): void {
    this.#socket.write(frameOf(Tag.object, serialize(message), MAX_FRAME));
  }

  #reply(reply: Reply): void {
    if ('push' in reply) {
      watchers.get(`${this.#handle.address}#${reply.push}`)?.(reply.value, reply.echo);
      return;
    }
    const pending = this.#pending.get(reply.req);
    if (pending === undefined) return;
    this.#pending.delete(reply.req);
    this.#idle();
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(fromWire(reply.error));
  }

  #idle(): void {
    if (this.#pending.size === 0) this.#socket.unref();
  }

  #fail(error: Error | null): void {
    const { what, pid } = this.#handle;
    this.#failure ??= new ProcessError(
      `This ${what} is served by process ${pid}, which created it, and that process is gone or unreachable${error === null ? '' : ` (${error.message})`}. ` +
        `Without the native addon a ${what} lives in the process that made it: keep that process running while others use it.`,
      { pid, cause: error ?? undefined },
    );
    remotes.delete(this.#handle.address);
    for (const pending of this.#pending.values()) pending.reject(this.#failure);
    this.#pending.clear();
  }
}

const remotes = new Map<string, Remote>();
const watchers = new Map<string, (value: unknown, echo: boolean) => void>();

/** Call `listener` with each state the server pushes for the object (one listener per object and process). */
export function watchObject(handle: ObjectHandle, listener: (value: unknown, echo: boolean) => void): void {
  watchers.set(`${handle.address}#${handle.spec.id}`, listener);
}

/** Run `op` on the object; `signal` withdraws a wait (the call rejects with its reason). */
export function callObject(handle: ObjectHandle, op: string, args: unknown[], signal?: AbortSignal): Promise<unknown> {
  if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
  if (handle.pid === process.pid) return local(handle, op, args, signal);
  let remote = remotes.get(handle.address);
  if (remote === undefined) {
    remote = new Remote(handle);
    remotes.set(handle.address, remote);
  }
  return remote.request(handle.spec, op, args, signal);
}

let nextLocal = -1;

function local(handle: ObjectHandle, op: string, args: unknown[], signal: AbortSignal | undefined): Promise<unknown> {
  const req = nextLocal--;
  const result = call(localSession, handle.spec, op, args, req);
  if (signal === undefined) return result;
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      localSession.cancels.get(req)?.();
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    result.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Run a non-waiting `op` now, synchronously; only in the process that serves the object. */
export function callLocalSync(handle: ObjectHandle, op: string, args: unknown[]): unknown {
  return objectOf(handle.spec).call(localSession, op, args, () => undefined);
}
