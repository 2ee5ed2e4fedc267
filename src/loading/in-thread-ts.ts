// Preload (`--require`) that `multiproc run` adds, after tsx's CommonJS hook, for .ts scripts:
// TypeScript compiled in the main thread, so that a forked child can still load modules.
// tsx's ESM loader runs its hooks on a separate thread (module.register), which a forked child
// does not have: any later import() there would wait forever. Here instead:
// - the main script (.ts/.mts/.cts) is loaded through require() (Module.runMain is meant to be
//   replaced by --require preloads), which tsx's CommonJS hook transpiles in-thread;
// - import() in TypeScript modules becomes a require() (tsx's hook again), falling back to the
//   real import() for ES modules that require() cannot load (top-level await).
// esbuild's synchronous API must not use a worker thread either: ESBUILD_WORKER_THREADS=0 is set
// by `multiproc run` in the environment. Limitation: no top-level await in TypeScript modules.
// On a Node with the public module.registerHooks (22.15+) none of this is needed: TypeScript is
// compiled by in-thread hooks (src/loading/ts-hooks.ts), the main script is imported as Node would, and
// top-level await works.
import Module from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { initSync, parse } from 'es-module-lexer';
import { formatOf, registerTypeScriptHooks } from './ts-hooks.ts';

const TS_FILE = /\.[cm]?tsx?$/;
const HELPER = `
function __multiprocImport(specifier, options) {
  return new Promise(function (resolve) {
    var id = typeof specifier === 'string' && specifier.startsWith('file:') ? require('node:url').fileURLToPath(specifier) : specifier;
    resolve(require(id));
  }).then(function (m) {
    if (m && (m.__esModule || Object.prototype.toString.call(m) === '[object Module]')) return m;
    return Object.assign(Object.create(null), m, { default: m });
  }, function (error) {
    if (error && (error.code === 'ERR_REQUIRE_ASYNC_MODULE' || error.code === 'ERR_REQUIRE_ESM')) return import(specifier, options);
    throw error;
  });
}`;

/** Replace each import(…) of compiled code by __multiprocImport(…) (appended, so hoisted). */
export function rewriteDynamicImports(code: string): string {
  if (!code.includes('import(') && !code.includes('import (')) return code;
  let imports;
  try {
    initSync();
    [imports] = parse(code);
  } catch {
    return code; // not parseable as a module: leave it to Node
  }
  const dynamic = imports.filter((entry) => entry.d >= 0).sort((a, b) => b.ss - a.ss);
  if (dynamic.length === 0) return code;
  let out = code;
  for (const entry of dynamic) out = `${out.slice(0, entry.ss)}__multiprocImport${out.slice(entry.d)}`;
  return `${out}\n${HELPER}\n`;
}

interface ModuleInternals {
  prototype: { _compile: (this: unknown, content: string, filename: string) => unknown };
  runMain(main?: string): void;
  _load(request: string, parent: unknown, isMain: boolean): unknown;
}

const internals = Module as unknown as ModuleInternals;
const marker = Symbol.for('multiproc.inThreadTs');
if ((globalThis as Record<symbol, unknown>)[marker] === undefined) {
  (globalThis as Record<symbol, unknown>)[marker] = true;
  if (process.env['ESBUILD_WORKER_THREADS'] !== '0') {
    // Too late for an esbuild already loaded (it reads this once), in time for later children.
    process.env['ESBUILD_WORKER_THREADS'] = '0';
    process.emitWarning(
      'multiproc: set ESBUILD_WORKER_THREADS=0 before tsx loads: ' +
        "esbuild's worker thread would be missing in a forked child, which would then hang compiling TypeScript.",
    );
  }
  if (registerTypeScriptHooks(process.argv[1])) usePublicHooks();
  else patchCommonJs();
}

/**
 * The main TypeScript script of a CommonJS scope is required (Node 22 cannot require() an ES
 * module from CommonJS that its ES module loader is running: "from a module not been linked"),
 * an ES module one, or one with top-level await, is imported.
 */
function usePublicHooks(): void {
  const runMain = internals.runMain.bind(internals);
  internals.runMain = (main = process.argv[1]) => {
    if (main === undefined || !TS_FILE.test(main)) return runMain(main);
    const file = path.resolve(main);
    if (formatOf(file) === 'commonjs') {
      try {
        internals._load(file, null, true);
        return;
      } catch (error) {
        if (!needsImport(error)) throw error;
      }
    }
    import(pathToFileURL(file).href).catch((error: unknown) => {
      // as Node reports an entry point's error: the stack on stderr, exit code 1
      process.exitCode = 1;
      process.stderr.write(`${(error as Error | undefined)?.stack ?? String(error)}\n`);
    });
  };
}

/** A require() that failed only because the module has top-level await (import() it instead). */
function needsImport(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 'ERR_REQUIRE_ASYNC_MODULE' || /Top-level await is currently not supported/.test(String(message));
}

/** Node 20: TypeScript through tsx's CommonJS hook, import() rewritten to require(). */
function patchCommonJs(): void {
  const compile = internals.prototype._compile;
  internals.prototype._compile = function (this: unknown, content: string, filename: string) {
    return compile.call(this, TS_FILE.test(filename) ? rewriteDynamicImports(content) : content, filename);
  };
  const runMain = internals.runMain.bind(internals);
  internals.runMain = (main = process.argv[1]) => {
    if (main === undefined || !TS_FILE.test(main)) return runMain(main);
    try {
      internals._load(path.resolve(main), null, true);
    } catch (error) {
      if (!/Top-level await is currently not supported/.test(String((error as Error | undefined)?.message))) throw error;
      process.stderr.write(
        `multiproc run: ${(error as Error).message.split('\n').slice(1).join('\n')}\n` +
          'multiproc run compiles TypeScript in the main thread (so that a forked child can still import modules), ' +
          'which cannot express top-level await: move that code into an async function (`async function main() { … } void main();`), ' +
          'or use a .mjs/.js file, where top-level await works.\n',
      );
      process.exitCode = 1;
    }
  };
}
