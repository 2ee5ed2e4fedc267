// The manager's server (Python's managers.Server): serves each client connection with its own
// receive loop; calls run concurrently (a waiting acquire never holds up another client's get),
// and replies go back as each call settles. Proxies inside arguments become references held by
// the manager; references inside results are handed to the client (it owns one per proxy).
import type { Connection } from '../connection/connection.ts';
import { ConnectionClosedError } from '../connection/errors.ts';
import { toWireError } from '../pool/remote-error.ts';
import { ManagerProtocolError, NotExposedError } from './errors.ts';
import { collectNow, collectPeriodically } from './collect.ts';
import { NestedRef, ObjectTable, type Entry } from './objects.ts';
import { checkRequest, mapObjects, marker, readMarker } from './protocol.ts';
import { kWithCaller } from './referents/locks.ts';
import { Segments } from './segments.ts';
import { Session } from './session.ts';
import { callFactory, publicMethods, type ServerType } from './typeids.ts';

/** A result that the client receives as a new proxy (methodToTypeid). */
class NewObject {
  constructor(readonly entry: Entry) {}
}

/** Serves the shared objects of one manager to its clients. */
export class Server {
  readonly objects = new ObjectTable();
  /** Segments of a SharedMemoryManager, unlinked at shutdown. */
  readonly segments = new Segments();
  readonly #types: ReadonlyMap<string, ServerType>;
  readonly #sessions = new Set<Session>();
  readonly #onShutdown: () => void;

  constructor(types: ReadonlyMap<string, ServerType>, onShutdown: () => void) {
    this.#types = types;
    const stopCollecting = collectPeriodically(() => {
      const wanted = this.objects.dirty && this.objects.nestedLive > 0;
      this.objects.dirty = false;
      return wanted;
    });
    this.#onShutdown = () => {
      stopCollecting();
      onShutdown();
    };
  }

  /** Serve one client until it disconnects (or breaks the protocol: then it is dropped). */
  async serve(conn: Connection): Promise<void> {
    const session = new Session(conn, this.objects);
    this.#sessions.add(session);
    try {
      for (;;) {
        let message: unknown;
        try {
          message = await conn.recv();
        } catch (error) {
          if (error instanceof ConnectionClosedError) return;
          throw error; // FrameError: garbage on the connection
        }
        void this.#handle(session, message);
      }
    } catch {
      // A client that sends garbage is dropped; the server goes on serving the others.
    } finally {
      this.#sessions.delete(session);
      session.end();
      conn.close();
    }
  }

  /** Disconnect every client and unlink the tracked segments (the server is shutting down). */
  closeAll(): void {
    this.segments.releaseAll();
    for (const session of this.#sessions) session.conn.close();
  }

  // One request: a method that returns at once is answered at once (no await in between, so no
  // extra turns of the microtask queue per call); a Promise is answered when it settles.
  #handle(session: Session, message: unknown): void {
    let requestId = 0;
    let result: unknown;
    this.objects.dirty = true;
    try {
      const [id, objectId, method, args] = checkRequest(message);
      requestId = id;
      result = objectId === '' ? this.#serverMethod(session, id, method, args) : this.#call(session, id, objectId, method, args);
    } catch (error) {
      if (error instanceof ManagerProtocolError && requestId === 0 && !Array.isArray(message)) {
        session.conn.close(); // not even a request: not a client of ours
        return;
      }
      this.#reply(session, requestId, false, error);
      return;
    }
    if (result instanceof Promise)
      result.then(
        (value) => this.#reply(session, requestId, true, value),
        (error: unknown) => this.#reply(session, requestId, false, error),
      );
    else this.#reply(session, requestId, true, result);
  }

  #reply(session: Session, requestId: number, ok: boolean, value: unknown): void {
    if (requestId !== 0) session.callEnded(requestId);
    let reply: unknown[];
    if (ok) {
      if (requestId === 0) return void this.#afterReply(session, Promise.resolve()); // a notification: no reply
      try {
        const encoded = this.#encode(session, value);
        // An undefined result is left out: the reply stays plain JSON (the fast encoding).
        reply = encoded === undefined ? [requestId, 0] : [requestId, 0, encoded];
      } catch (error) {
        reply = [requestId, 1, toWireError(error)];
      }
    } else reply = [requestId, 1, toWireError(value)];
    let sent: Promise<void>;
    try {
      sent = session.conn.send(reply);
    } catch (error) {
      if (error instanceof ConnectionClosedError) return; // the client is gone (its session ended)
      try {
        // The result cannot travel (SerializationError, over the frame limit): the caller gets why.
        sent = session.conn.send([requestId, 1, toWireError(error)]);
      } catch {
        return;
      }
    }
    this.#afterReply(
      session,
      sent.catch(() => undefined), // the client went away meanwhile: its session ends with its connection
    );
  }

  // After the reply: a shutdown the client asked for (it knows it was heard).
  #afterReply(session: Session, sent: Promise<void>): void {
    if (session.shutdownAsked) void sent.then(() => this.#onShutdown());
  }

  #call(session: Session, requestId: number, objectId: string, method: string, args: unknown[]): unknown {
    const entry = this.objects.get(objectId);
    if (!entry.exposed.has(method)) throw new NotExposedError(method, entry.typeid, [...entry.exposed]);
    const object = entry.object as Record<string, unknown>;
    const fn = object[method];
    if (typeof fn !== 'function') throw new NotExposedError(method, entry.typeid, [...entry.exposed]);
    const decoded = this.#decode(args) as unknown[];
    const withCaller =
      (object.constructor as Partial<Record<typeof kWithCaller, ReadonlySet<string>>> | undefined)?.[kWithCaller]?.has(method) === true;
    const result: unknown = withCaller ? fn.call(object, session.callerFor(requestId, object), ...decoded) : fn.apply(object, decoded);
    const typeid = entry.methodToTypeid?.[method];
    if (typeid === undefined) return result;
    return result instanceof Promise ? result.then((value: unknown) => this.#newObject(typeid, value)) : this.#newObject(typeid, result);
  }

  // A result the client receives as a new proxy (methodToTypeid). A shared object stored in this
  // one comes back as itself (a NestedRef), not as a wrapper of it.
  #newObject(typeid: string, result: unknown): unknown {
    return result instanceof NestedRef ? result : new NewObject(this.#add(typeid, this.#type(typeid), result));
  }

  async #serverMethod(session: Session, requestId: number, method: string, args: unknown[]): Promise<unknown> {
    switch (method) {
      case 'hello':
        session.pid = typeof args[0] === 'number' ? args[0] : 0;
        return process.pid;
      case 'create': {
        const [typeid, ...rest] = args;
        if (typeof typeid !== 'string') throw new ManagerProtocolError('create: the typeid must be a string.');
        const type = this.#type(typeid);
        let object = type.create === null ? rest[0] : callFactory(type.create, this.#decode(rest) as unknown[]);
        if (object instanceof Promise) object = await object;
        const entry = this.#add(typeid, type, object);
        session.hold(entry.id);
        entry.refcount++;
        return [entry.id, [...entry.exposed]];
      }
      case 'incref':
        session.incref(String(args[0]), typeof args[1] === 'string' ? args[1] : undefined);
        return null;
      case 'decref':
        session.decref(String(args[0]));
        return null;
      case 'cancel':
        session.cancel(Number(args[0]));
        return null;
      case 'numberOfObjects':
        if (this.objects.nestedLive > 0) await collectNow();
        return this.objects.size;
      case 'debugInfo':
        if (this.objects.nestedLive > 0) await collectNow();
        return this.objects.describe();
      case 'getMethods':
        return [...this.objects.get(String(args[0])).exposed];
      case 'trackSegment':
        this.segments.track(args[0]);
        return null;
      case 'releaseSegment':
        this.segments.release(args[0]);
        return null;
      case 'listSegments':
        return this.segments.list();
      case 'dummy':
        return null;
      case 'shutdown':
        session.shutdownAsked = true;
        return null;
      default:
        void requestId;
        throw new ManagerProtocolError(`The manager has no method \`${method}\`.`);
    }
  }

  #type(typeid: string): ServerType {
    const type = this.#types.get(typeid);
    if (type === undefined)
      throw new TypeError(
        `The manager has no type \`${typeid}\`: register it on the manager's class (register('${typeid}', callable)) before start().`,
      );
    return type;
  }

  #add(typeid: string, type: ServerType, object: unknown): Entry {
    return this.objects.add(typeid, object, this.#exposedOf(type, object), type.methodToTypeid);
  }

  #exposedOf(type: ServerType, object: unknown): string[] {
    const exposed = type.exposed === null ? publicMethods(object) : [...type.exposed];
    if (type.methodToTypeid !== null) for (const name of Object.keys(type.methodToTypeid)) if (!exposed.includes(name)) exposed.push(name);
    return exposed;
  }

  // Arguments: proxy markers of this manager become references held by the manager.
  #decode(value: unknown): unknown {
    if (typeof value !== 'object' || value === null) return value;
    return mapObjects(value, (object) => {
      const found = readMarker(object);
      return found === null ? object : this.objects.nested(found[0], found[1]);
    });
  }

  // Results: references become markers, and the client holds one reference for each.
  #encode(session: Session, value: unknown): unknown {
    if (typeof value !== 'object' || value === null) return value;
    return mapObjects(value, (object) => {
      if (object instanceof NewObject) {
        session.hold(object.entry.id);
        object.entry.refcount++;
        return marker(object.entry.typeid, object.entry.id);
      }
      if (object instanceof NestedRef) {
        session.incref(object.id, object.typeid);
        return marker(object.typeid, object.id);
      }
      return object;
    });
  }
}
