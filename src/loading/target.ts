// Turning a target (a function or a Process subclass) into a reference a child can import:
// the module that *defines* it and the name it is exported under. Like pickle's by-reference
// functions: the child imports the module and looks the name up.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { importUrl } from './dynamic-import.ts';
import { SerializationError } from '../errors.ts';
import { locateFunction } from './function-location.ts';
import { exportAdvice } from '../module-format.ts';
import { loadNative } from '../native/binding.ts';
import { importLoaded, TS_FILE } from './typescript.ts';

/** A target as the child finds it: import `url`, take export `exportName`. */
export interface TargetRef {
  url: string;
  exportName: string;
  /** Definition site, checked by the child when it can read locations; 0: not comparable (see referenceTarget). */
  line: number;
  column: number;
  /** For messages: `f (file:///x/y.ts:3:17)`. */
  display: string;
}

type AnyFunction = (...args: never[]) => unknown;

const namespaces = new Map<string, Record<string, unknown>>();
const lexed = new Map<string, Map<string, string> | null>();
const refs = new WeakMap<object, TargetRef>();
const requireHere = createRequire(import.meta.url);

/** The reference for `fn`; throws SerializationError naming `path` when a child could not import it. */
export function referenceTarget(fn: AnyFunction, path: string, sentTo: string): TargetRef {
  const cached = refs.get(fn);
  if (cached !== undefined) return cached;
  const label = fn.name === '' ? 'an anonymous function' : `\`${fn.name}\``;
  if (fn.name.startsWith('bound ')) {
    throw new SerializationError(
      path,
      `${path}: bound functions cannot be sent to ${sentTo}; export the function and pass its arguments in \`args\`.`,
    );
  }
  const location = locateFunction(fn);
  if (location === null || location.url.startsWith('node:')) {
    throw new SerializationError(
      path,
      `${path}: ${label} is not defined in a module file (a built-in, or code from eval or the REPL), ` +
        `so ${sentTo} cannot import it; define and export it in a module.`,
    );
  }
  const url = location.url.startsWith('file:') ? location.url : pathToFileURL(location.url).href;
  const where = `${url}:${location.line}:${location.column}`;
  const exportName = findExportName(fn, url, location.url);
  if (exportName === null) {
    throw new SerializationError(
      path,
      `${path}: ${label} (${where}) is not exported from its module, so ${sentTo} cannot import it. ` +
        `Export it (\`${exportAdvice(url, fn.name || 'name')}\`), or use the 'fork' start method, which copies closures.`,
    );
  }
  // A module this process loaded through a compiler (an ES module `require`d under tsx's CommonJS
  // hook: `multiproc run`, the tests) has V8 positions of the compiled code, which the child,
  // importing the file itself, will not see: its definition site cannot be compared.
  const compiled = isCompiledModule(location.url);
  const ref: TargetRef = {
    url,
    exportName,
    line: compiled ? 0 : location.line,
    column: compiled ? 0 : location.column,
    display: `${fn.name || exportName} (${where})`,
  };
  refs.set(fn, ref);
  return ref;
}

// True when the script was loaded as CommonJS compiled from ES module syntax (esbuild, tsx, Babel mark it `__esModule`).
function isCompiledModule(scriptName: string): boolean {
  const mod = requireHere.cache[scriptName.startsWith('file:') ? fileURLToPath(scriptName) : scriptName];
  return (mod?.exports as { __esModule?: unknown } | undefined)?.__esModule === true;
}

function findExportName(fn: AnyFunction, url: string, scriptName: string): string | null {
  const known = namespaces.get(url);
  if (known !== undefined) return exportKeyOf(known, fn);
  // CommonJS: its exports object is at hand, synchronously and exactly. (V8 names a CommonJS
  // script by its path; the inspector fallback gives a file: URL.)
  {
    const mod = requireHere.cache[scriptName.startsWith('file:') ? fileURLToPath(scriptName) : scriptName];
    if (mod !== undefined) {
      if (mod.exports === fn) return 'default';
      return exportKeyOf(mod.exports as Record<string, unknown>, fn);
    }
  }
  // ES modules: the namespace is only reachable asynchronously, so read the export list from
  // the source (es-module-lexer) now, and cache the real namespace for the next start().
  void importUrl(url).then(
    (ns) => namespaces.set(url, ns as Record<string, unknown>),
    () => undefined,
  );
  const exports = lexExports(url);
  if (exports === null) return fn.name === '' ? null : fn.name; // Unreadable source: the child checks.
  return exports.get(fn.name) ?? null;
}

function exportKeyOf(exports: Record<string, unknown>, fn: AnyFunction): string | null {
  if (typeof exports !== 'object' && typeof exports !== 'function') return null;
  if (fn.name !== '' && exports[fn.name] === fn) return fn.name;
  for (const key of Object.keys(exports)) if (exports[key] === fn) return key;
  if (exports.default === fn) return 'default';
  return null;
}

// Local name -> exported name, from the module's source text.
function lexExports(url: string): Map<string, string> | null {
  if (lexed.has(url)) return lexed.get(url) ?? null;
  let result: Map<string, string> | null = null;
  try {
    // Loaded on first use: a child never needs it, and it costs a few milliseconds to load.
    const lexer = requireHere('es-module-lexer') as typeof import('es-module-lexer');
    lexer.initSync();
    const [, exports] = lexer.parse(readFileSync(fileURLToPath(url), 'utf8'));
    result = new Map();
    for (const entry of exports) {
      if (entry.ln !== undefined && !result.has(entry.ln)) result.set(entry.ln, entry.n);
      if (!result.has(entry.n)) result.set(entry.n, entry.n);
    }
  } catch {
    result = null;
  }
  lexed.set(url, result);
  return result;
}

/**
 * Import `ref`'s module (a fork-server child has it from the server) and take the function it
 * exports by name; a TypeError names it as `what` (the target …) and `where` (the child …) when
 * it is not there.
 */
export async function importExportedFunction(ref: TargetRef, what: string, where: string): Promise<AnyFunction> {
  const ns = await importLoaded(ref.url);
  let value = ns[ref.exportName];
  // A CommonJS module's named exports may only be reachable through its default export.
  if (value === undefined && ns.default !== null && typeof ns.default === 'object') {
    value = (ns.default as Record<string, unknown>)[ref.exportName];
  }
  if (typeof value !== 'function') {
    throw new TypeError(
      `The ${what} ${ref.display} is not exported as \`${ref.exportName}\` by ${ref.url} in the ${where} (got ${typeof value}).`,
    );
  }
  return value as AnyFunction;
}

/** In the child: import the target by name (importExportedFunction); checks its definition site when it can. */
export async function importTarget(ref: TargetRef): Promise<AnyFunction> {
  const fn = await importExportedFunction(ref, 'target', 'child');
  // Only with the addon: the inspector fallback would add milliseconds to every start. Only for
  // JavaScript: in a transpiled file (TypeScript) V8's positions are of the generated code, which
  // differs with the way each process loaded it (tsx's ES module or CommonJS output, in-thread or
  // not), so there the export name alone identifies the target; so too for a JavaScript module the
  // parent loaded compiled (line 0).
  const location = loadNative() === null || ref.line === 0 || TS_FILE.test(new URL(ref.url).pathname) ? null : locateFunction(fn);
  if (location !== null) {
    const url = location.url.startsWith('file:') ? location.url : pathToFileURL(location.url).href;
    if (url === ref.url && (location.line !== ref.line || location.column !== ref.column)) {
      throw new TypeError(
        `The export \`${ref.exportName}\` of ${ref.url} is not the target ${ref.display}: it is defined at line ${location.line}:${location.column}. ` +
          `Give the target its own exported name.`,
      );
    }
  }
  return fn;
}
