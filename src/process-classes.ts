// The Process class of each start method and the check of a start method's name: a leaf that
// context.ts and the Pool both import, so that neither imports the other at run time.
import './launcher/all.ts';
import { resolveStartMethod, usableStartMethod } from './launcher/registry.ts';
import { rangeError, typeError } from './options.ts';
import { Process as BaseProcess } from './process.ts';
import { isStartMethod, START_METHODS, type StartMethod } from './start-methods.ts';
import { kBuiltinClass, kStartMethod } from './symbols.ts';

/** What starting processes needs: a Process class and the start method its children use (a Context is one). */
export interface ProcessSource {
  readonly Process: typeof BaseProcess;
  getStartMethod(): StartMethod;
}

const classes = new Map<StartMethod, typeof BaseProcess>();

/** The Process class whose children use `method` (one class per method). */
export function processClassFor(method: StartMethod): typeof BaseProcess {
  let found = classes.get(method);
  if (found === undefined) {
    found = makeProcessClass(method);
    classes.set(method, found);
  }
  return found;
}

// A declaration, not a class expression: an expression's own name would shadow BaseProcess in
// its `extends` clause once a bundler renames the import to `Process` (the CommonJS build does).
function makeProcessClass(method: StartMethod): typeof BaseProcess {
  class Process<A extends unknown[] = any[]> extends BaseProcess<A> {
    static readonly [kStartMethod]: StartMethod = method;
    static override readonly [kBuiltinClass] = true;
  }
  return Process;
}

/** Check that `method` names a start method that works here; returns it. */
export function checkMethod(method: unknown): StartMethod {
  if (typeof method !== 'string') typeError('method', `one of ${START_METHODS.map((m) => `'${m}'`).join(', ')}`, method);
  if (!isStartMethod(method)) rangeError('method', `one of ${START_METHODS.map((m) => `'${m}'`).join(', ')}`, method);
  usableStartMethod(method);
  return method;
}

const defaultSource: ProcessSource = { Process: BaseProcess, getStartMethod: () => resolveStartMethod(undefined) };
const sources = new Map<StartMethod, ProcessSource>();

/** The processes of `method` (checked), or of the current default start method. */
export function processSourceFor(method?: StartMethod): ProcessSource {
  if (method === undefined) return defaultSource;
  const checked = checkMethod(method);
  let found = sources.get(checked);
  if (found === undefined) {
    const Process = processClassFor(checked);
    found = { Process, getStartMethod: () => checked };
    sources.set(checked, found);
  }
  return found;
}
