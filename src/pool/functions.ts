// How a task's function reaches a worker. spawn/forkserver workers import it: it must be an
// exported function, sent by reference (module URL + export name), as pickle does. A fork
// worker is a copy of the parent: a function registered here before the worker was forked is
// sent as its id in that copy, so closures work (see docs/DECISIONS.md, "Pool").
import { isMain } from '../current.ts';
import { SerializationError } from '../errors.ts';
import { importExportedFunction, referenceTarget, type TargetRef } from '../loading/target.ts';
import type { FnSpec } from './messages.ts';

type AnyFunction = (...args: never[]) => unknown;

const ids = new Map<AnyFunction, number>();
const byId = new Map<number, AnyFunction>();
let nextId = 0;

/** Register `fn` for fork workers started from now on; returns its id. */
export function registerFunction(fn: AnyFunction): number {
  let id = ids.get(fn);
  if (id === undefined) {
    id = nextId++;
    ids.set(fn, id);
    byId.set(id, fn);
  }
  return id;
}

/** Functions with an id below this are known to a worker forked now. */
export function registryMark(): number {
  return nextId;
}

/** The id of `fn` if it was registered, else undefined. */
export function registeredId(fn: AnyFunction): number | undefined {
  return ids.get(fn);
}

/**
 * Under fork: the reference of an exported function, by which workers forked before it was
 * first used can import it; null when it has none (only under fork is that fine), or when it is
 * the main module's. A forked worker's import() of the main module never settles while the
 * parent's copy of that module is still being evaluated (a top-level `await pool.map(…)`, seen
 * as a hang): such a function reaches fresh workers by id instead.
 */
export function tryReference(fn: AnyFunction): TargetRef | null {
  let ref: TargetRef;
  try {
    ref = referenceTarget(fn, 'fn', 'a pool worker');
  } catch (error) {
    if (error instanceof SerializationError) return null;
    throw error;
  }
  return ref.url.startsWith('file:') && isMain({ url: ref.url }) ? null : ref;
}

/** The reference of `fn` for spawn/forkserver workers; throws a SerializationError saying what to do. */
export function referenceFor(fn: AnyFunction, what: string): FnSpec {
  return { kind: 'ref', ref: referenceTarget(fn, what, 'a pool worker (spawn/forkserver)') };
}

const imported = new Map<string, Promise<AnyFunction>>();

/** In a worker: the function a spec names (imports are cached per reference). */
export function resolveFunction(spec: FnSpec): AnyFunction | Promise<AnyFunction> {
  if (spec.kind === 'id') {
    const fn = byId.get(spec.id);
    if (fn === undefined)
      throw new Error(`Pool function #${spec.id} is unknown in this worker (it was registered after the worker was forked).`);
    return fn;
  }
  const key = `${spec.ref.url}#${spec.ref.exportName}`;
  let found = imported.get(key);
  if (found === undefined) {
    // By name, as pickle: a forked or fork-server child may compile a TypeScript module
    // differently from the parent (CommonJS through the in-thread loader), so definition sites
    // are not compared.
    found = importExportedFunction(spec.ref, 'pool function', 'worker');
    imported.set(key, found);
    found.catch(() => imported.delete(key));
  }
  return found;
}
