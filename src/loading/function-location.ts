// Where a function was defined: its script's URL (or path) and position. The native addon
// answers directly (v8::Function::GetScriptOrigin); without it, an in-process inspector session
// reads the function's [[FunctionLocation]] (synchronous and far slower: once per function,
// thanks to the cache).
import { createRequire } from 'node:module';
import { loadNative } from '../native/binding.ts';

/** A function's definition site. `url` is a file:// URL (ESM) or an absolute path (CommonJS). */
export interface FunctionLocation {
  url: string;
  line: number;
  column: number;
}

const cache = new WeakMap<object, FunctionLocation | null>();

/** The definition site of `fn`, or null for built-ins, bound functions and code without a script. */
export function locateFunction(fn: (...args: never[]) => unknown): FunctionLocation | null {
  let found = cache.get(fn);
  if (found === undefined) {
    const native = loadNative();
    found = native !== null ? native.functionLocation(fn) : locateWithInspector(fn);
    if (found !== null && found.url === '') found = null;
    cache.set(fn, found);
  }
  return found;
}

function locateWithInspector(fn: (...args: never[]) => unknown): FunctionLocation | null {
  // Loaded on first use: only needed without the addon.
  const { Session } = createRequire(import.meta.url)('node:inspector') as typeof import('node:inspector');
  const session = new Session();
  session.connect();
  const scripts = new Map<string, string>();
  const slot = Symbol.for('multiproc.locate');
  const holder = globalThis as unknown as Record<symbol, unknown>;
  try {
    session.on('Debugger.scriptParsed', (message) => scripts.set(message.params.scriptId, message.params.url));
    // An in-process session answers synchronously: each callback has run when post() returns.
    session.post('Debugger.enable');
    holder[slot] = fn;
    let objectId: string | undefined;
    session.post('Runtime.evaluate', { expression: `globalThis[Symbol.for('multiproc.locate')]` }, (error, result) => {
      if (error === null) objectId = result.result.objectId;
    });
    if (objectId === undefined) return null;
    let location: { scriptId: string; lineNumber: number; columnNumber: number } | undefined;
    session.post('Runtime.getProperties', { objectId, ownProperties: true }, (error, result) => {
      const internal = error === null ? result.internalProperties?.find((p) => p.name === '[[FunctionLocation]]') : undefined;
      location = internal?.value?.value as typeof location;
    });
    if (location === undefined) return null;
    const url = scripts.get(location.scriptId);
    if (url === undefined || url === '') return null;
    return { url, line: location.lineNumber + 1, column: location.columnNumber + 1 };
  } finally {
    delete holder[slot];
    session.disconnect();
  }
}
