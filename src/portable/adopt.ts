// How a portable object takes the place of the class the user asked for: `new Lock()` without the
// addon returns a portable Lock whose prototype is made from the portable class's methods on top
// of Lock.prototype (so `instanceof Lock`, brands and subclasses hold), and a child rebuilds it
// from its handle (the serving process's address and the object's id: no file descriptor).
import { NativeUnavailableError } from '../errors.ts';
import { nativeUnavailableReason } from '../native/binding.ts';
import { kReduce, registerRebuilder, type HandleDescriptor, type ReceivedHandle } from '../reduction.ts';
import type { ObjectHandle } from './client.ts';
import { serve } from './server.ts';

type Class = abstract new (...args: never[]) => object;

const protos = new WeakMap<Class, Map<Class, object>>();
const classes = new Map<string, { portable: new (handle: ObjectHandle) => object; target: () => Class }>();

/** Give `instance` (of `portable`) the prototype `target`'s instances have, with `portable`'s methods first. */
export function adopt<T extends object>(instance: T, portable: Class, target: Class): T {
  let byPortable = protos.get(target);
  if (byPortable === undefined) protos.set(target, (byPortable = new Map<Class, object>()));
  let proto = byPortable.get(portable);
  if (proto === undefined) {
    proto = Object.create(target.prototype as object) as object;
    for (let p = portable.prototype as object | null; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
      for (const key of Reflect.ownKeys(p)) {
        if (key === 'constructor' || Object.prototype.hasOwnProperty.call(proto, key)) continue;
        Object.defineProperty(proto, key, Object.getOwnPropertyDescriptor(p, key) as PropertyDescriptor);
      }
    }
    byPortable.set(portable, proto);
  }
  return Object.setPrototypeOf(instance, proto) as T;
}

/** A new portable object `what` (a class name), served from this process. */
export function newHandle(what: string, params: unknown[]): ObjectHandle {
  const { spec, address, pid } = serve(what, params);
  return { spec, address, pid, what };
}

/** Register the portable class for objects named `what`, and the class (by a getter: cycles) a rebuilt one adopts. */
export function registerPortable(what: string, portable: new (handle: ObjectHandle) => object, target: () => Class): void {
  classes.set(what, { portable, target });
}

/** The handle a child rebuilds a portable object from (with what else its class needs there). */
export function reduceHandle<H extends ObjectHandle>(handle: H): HandleDescriptor {
  return { kind: KIND, data: handle, fds: [] };
}

/** The error of a synchronous wait, which cannot be done without the addon. */
export function syncRefused(call: string, instead: string): NativeUnavailableError {
  return new NativeUnavailableError(
    `${call} blocks this thread until another process acts, which needs multiproc's native addon (futexes on shared memory); ` +
      `it is unavailable: ${nativeUnavailableReason() ?? 'unknown reason'}. ` +
      `Use ${instead} instead, or install the addon (Linux: npm rebuild multiproc, with python3, make and a C++ compiler).`,
  );
}

/** The error of a synchronous query in a process that does not serve the object. */
export function remoteQueryRefused(call: string, handle: ObjectHandle, instead: string): NativeUnavailableError {
  return new NativeUnavailableError(
    `${call} must answer at once, but without the native addon this ${handle.what} lives in process ${handle.pid} (its creator) ` +
      'and can only be asked asynchronously from here. ' +
      `${instead} (native addon unavailable: ${nativeUnavailableReason() ?? 'unknown reason'}).`,
  );
}

/** A portable object's handle (for a Condition made over a portable lock). */
export const kHandle = Symbol('multiproc.portable.handle');

const KIND = 'multiproc.portable.object';
registerRebuilder(KIND, (received: ReceivedHandle) => rebuildPortable(received.data as ObjectHandle));

/** The portable object (this process's proxy) for `handle`. */
export function rebuildPortable(handle: ObjectHandle): object {
  const entry = classes.get(handle.what);
  if (entry === undefined) throw new TypeError(`A portable ${handle.what} arrived, which this copy of multiproc does not know.`);
  return adopt(new entry.portable(handle), entry.portable, entry.target());
}
export { kReduce };
