// The portable object server: without the addon there is no shared memory between processes, so
// a Queue, Lock, Event or Semaphore lives in the process that created it (as Python's managers
// serve objects) and the others reach it over a unix socket (a named pipe on Windows). One server
// per process, listening from the first object it creates; it does not keep the process alive.
// The creator's own calls go straight to the object (no socket). When a process's connection
// ends (it exited), its waits are withdrawn and the locks it held are marked as died with it.
import { asError } from '../connection/errors.ts';
import { createServer, type Server, type Socket } from 'node:net';
import { deserialize, serialize } from 'node:v8';
import { Tag } from '../wire/protocol.ts';
import { FrameCutter, frameOf } from './frames.ts';
import { makeObject, type Served, type Session } from './objects.ts';
import { freshAddress } from './paths.ts';
import { toWire, type ObjectSpec, type Reply, type Request } from './protocol.ts';

const MAX_FRAME = 1024 * 1024 * 1024;

let server: Server | null = null;
let address: string | null = null;
let nextId = 1;
const objects = new Map<number, Served>();

/** This process as a session of its own server (its calls need no socket). */
export const localSession: Session = { pid: process.pid, key: 'local', cancels: new Map() };

/** A new object's spec, served from this process; returns the address others reach it at. */
export function serve(kind: string, params: unknown[]): { spec: ObjectSpec; address: string; pid: number } {
  const spec: ObjectSpec = { id: nextId++, kind, params };
  objects.set(spec.id, makeObject(spec, objectOf));
  return { spec, address: listen(), pid: process.pid };
}

/** The served object of `spec` in this process (made on first use when this process created it). */
export function objectOf(spec: ObjectSpec): Served {
  let object = objects.get(spec.id);
  if (object === undefined) {
    object = makeObject(spec, objectOf);
    objects.set(spec.id, object);
  }
  return object;
}

// Listen (once): bind and listen happen at the call, so a child started right after can connect.
function listen(): string {
  if (address !== null) return address;
  const at = freshAddress('objects');
  const made = createServer((socket) => accept(socket));
  made.on('error', () => undefined);
  made.listen(at);
  made.unref();
  server = made;
  address = at;
  return at;
}

function accept(socket: Socket): void {
  socket.unref(); // a client's connection alone does not keep this process alive
  const cutter = new FrameCutter(MAX_FRAME);
  const send = (reply: Reply) => {
    if (!socket.destroyed) socket.write(frameOf(Tag.object, serialize(reply), MAX_FRAME));
  };
  const session: Session = {
    pid: 0,
    key: `${socket.remotePort ?? ''}#${Math.random()}`,
    cancels: new Map(),
    push: (id, value, echo) => send({ push: id, value, echo }),
  };
  socket.on('data', (chunk: Buffer) => {
    let frames;
    try {
      frames = cutter.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const frame of frames) handle(session, deserialize(frame.payload) as Request & { pid?: number }, send);
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    for (const cancel of session.cancels.values()) cancel();
    session.cancels.clear();
    for (const object of objects.values()) object.dropped?.(session);
  });
}

function handle(session: Session, request: Request & { pid?: number }, send: (reply: Reply) => void): void {
  if ('cancel' in request) {
    session.cancels.get(request.cancel)?.();
    session.cancels.delete(request.cancel);
    return;
  }
  if (typeof request.pid === 'number') session.pid = request.pid;
  const { req } = request;
  call(session, request.spec, request.op, request.args, req).then(
    (value) => send({ req, ok: true, value }),
    (error: unknown) => send({ req, ok: false, error: toWire(error) }),
  );
}

/** Run `op` on the object for `session`; a wait registers its cancel under `req`. */
export function call(session: Session, spec: ObjectSpec, op: string, args: unknown[], req: number): Promise<unknown> {
  try {
    const result = objectOf(spec).call(session, op, args, (cancel) => session.cancels.set(req, cancel));
    if (result instanceof Promise) return result.finally(() => session.cancels.delete(req));
    return Promise.resolve(result);
  } catch (error) {
    return Promise.reject(asError(error));
  }
}

/** Internal (tests): whether this process serves objects now. */
export function serving(): boolean {
  return server !== null;
}
