// Class instances between processes. Structured clone keeps only an object's own fields and drops
// its prototype; like pickle (which stores instances by class reference), an instance travels here
// as its class's name plus its state, and the receiver rebuilds it with the class's prototype:
//   - a class registered with registerClass() (in a module both processes load) travels by its
//     registered name, with its own reduce/rebuild pair if it gave one (Python's copyreg);
//   - any other class exported from a module file travels by reference (its module URL and export
//     name, as a Process target does); the receiver imports the module when it has not yet;
//   - an instance of a class that is neither is refused at the sender (SerializationError).
// Without reduce/rebuild, the state is the instance's own enumerable properties: private (#)
// fields and closures are not carried, and the constructor does not run (as in pickle).
import { SerializationError } from './errors.ts';
import { normalizeFunction, typeError } from './options.ts';
import { importExportedFunction, referenceTarget, type TargetRef } from './loading/target.ts';
import { mainImportMayNeverSettle, mainImportNeverSettles } from './main-evaluation.ts';

type AnyClass = abstract new (...args: never[]) => object;

/** How instances of a registered class are reduced to cloneable state and rebuilt from it. */
export interface ClassOptions<T extends object = object> {
  /** The name both processes register it under (default: the class's name). */
  name?: string;
  /** The instance's state to send (default: its own enumerable properties). May hold shareables. */
  reduce?: (instance: T) => unknown;
  /** The instance rebuilt from that state (default: an object of the class's prototype with the state's properties). */
  rebuild?: (state: never) => T;
}

interface Entry {
  cls: AnyClass;
  name: string;
  reduce: ((instance: object) => unknown) | undefined;
  rebuild: ((state: never) => object) | undefined;
}

/** How an instance names its class on the wire: a registered name, or a reference to its export. */
export type ClassTag = { name: string } | { ref: TargetRef };

const byName = new Map<string, Entry>();
const byClass = new Map<AnyClass, Entry>();
const byRef = new Map<string, AnyClass>(); // `${url}#${exportName}` -> the class, once known here

/** Make instances of `cls` travel to other processes as instances (call it in every process, e.g. next to the class). */
export function registerClass<T extends object>(cls: abstract new (...args: never[]) => T, options: ClassOptions<T> = {}): void {
  if (typeof cls !== 'function') typeError('cls', 'a class', cls);
  if (typeof options !== 'object' || options === null) typeError('options', 'an object', options);
  const name = options.name ?? cls.name;
  if (typeof name !== 'string' || name === '') typeError('options.name', 'a non-empty string (the class has no name)', name);
  if (options.reduce !== undefined) normalizeFunction('options.reduce', options.reduce);
  if (options.rebuild !== undefined) normalizeFunction('options.rebuild', options.rebuild);
  const known = byName.get(name);
  if (known !== undefined && known.cls !== cls) {
    throw new TypeError(`Another class is registered as \`${name}\` already: pass \`options.name\` to tell them apart.`);
  }
  const entry: Entry = { cls, name, reduce: options.reduce as Entry['reduce'], rebuild: options.rebuild };
  byName.set(name, entry);
  byClass.set(cls, entry);
}

/** Whether `proto` is the prototype of a class instance (not a plain object or array). */
export function isClassPrototype(proto: unknown): boolean {
  return proto !== null && proto !== Object.prototype && proto !== Array.prototype;
}

/** The class tag and state of `value`, an instance; throws SerializationError naming `path` when its class cannot be found by the receiver. */
export function reduceInstance(value: object, path: string, sentTo: string): { tag: ClassTag; state: unknown } {
  const cls = (Object.getPrototypeOf(value) as { constructor?: unknown }).constructor;
  const entry = typeof cls === 'function' ? byClass.get(cls as AnyClass) : undefined;
  if (entry !== undefined) return { tag: { name: entry.name }, state: entry.reduce === undefined ? { ...value } : entry.reduce(value) };
  const label = typeof cls === 'function' && cls.name !== '' ? `an instance of class \`${cls.name}\`` : 'an object with a custom prototype';
  const className = typeof cls === 'function' && cls.name !== '' ? cls.name : 'TheClass';
  const advice = `export its class from its module, or call registerClass(${className}) in a module both processes load; or send a plain object.`;
  if (typeof cls !== 'function' || Object.getPrototypeOf(value) !== cls.prototype) {
    throw new SerializationError(
      path,
      `${path}: ${label} cannot be sent to ${sentTo} (it has no class a receiver could find). To send it, ${advice}`,
    );
  }
  let ref: TargetRef;
  try {
    ref = referenceTarget(cls as (...args: never[]) => unknown, path, sentTo);
  } catch (error) {
    const why = /not exported/.test((error as Error).message)
      ? 'its class is not exported from its module'
      : 'its class is not defined in a module file';
    throw new SerializationError(
      path,
      `${path}: ${label} cannot be sent to ${sentTo}: ${why}, so it could not be rebuilt there. To send it, ${advice}`,
      { cause: error },
    );
  }
  byRef.set(`${ref.url}#${ref.exportName}`, cls as AnyClass);
  return { tag: { ref }, state: { ...value } };
}

/**
 * The instance `tag` and `state` describe. When its class must be imported first, the object is
 * returned at once with `later` set: the prototype is given once the import settles.
 */
export function rebuildInstance(tag: ClassTag, state: unknown): { value: object; later: Promise<void> | null } {
  if ('name' in tag) {
    const entry = byName.get(tag.name);
    if (entry === undefined) {
      throw new TypeError(
        `An instance of the class registered as \`${tag.name}\` arrived, but no class is registered under that name in this process: ` +
          'call registerClass() in a module this process loads too.',
      );
    }
    if (entry.rebuild !== undefined) return { value: entry.rebuild(state as never), later: null };
    return { value: Object.assign(Object.create(entry.cls.prototype as object) as object, state), later: null };
  }
  const key = `${tag.ref.url}#${tag.ref.exportName}`;
  const known = byRef.get(key);
  if (known !== undefined) return { value: Object.assign(Object.create(known.prototype as object) as object, state), later: null };
  const value = Object.assign({}, state);
  const imported = async (): Promise<void> => {
    const cls = (await importExportedFunction(tag.ref, 'class', 'receiving process')) as unknown as AnyClass;
    byRef.set(key, cls);
    Object.setPrototypeOf(value, cls.prototype as object);
  };
  if (!mainImportMayNeverSettle(tag.ref.url)) return { value, later: imported() };
  const later = mainImportNeverSettles(tag.ref.url).then((never) => {
    if (!never) return imported();
    const name = tag.ref.exportName;
    throw new TypeError(
      `An instance of class \`${name}\` arrived, but its class is exported by the main module (${tag.ref.url}), which this forked ` +
        'child cannot import: the child was forked before that module finished evaluating (a top-level await). ' +
        `Call registerClass(${name}) in the main module before starting the child, or define the class in a module of its own.`,
    );
  });
  return { value, later };
}
