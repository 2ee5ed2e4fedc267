// TypeScript loaded in the main thread through Node's public, synchronous module hooks
// (`module.registerHooks`, Node >= 22.15 and >= 23.5). No loader thread is started, so a process
// that forks keeps loading modules in its children (docs/DECISIONS.md, "TypeScript under fork"),
// and an ES module written in TypeScript keeps top-level await. Where Node lacks registerHooks
// (Node 20), src/loading/in-thread-loader.ts (Node internals, --expose-internals) and
// src/loading/in-thread-ts.ts (tsx's CommonJS hook) do the same job.
import module, { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TS_FILE = /\.[cm]?tsx?$/;
const registeredKey = Symbol.for('multiproc.tsHooks.v1');

interface Esbuild {
  transformSync(code: string, options: Record<string, unknown>): { code: string };
}
interface ResolveContext {
  parentURL?: string | undefined;
  [key: string]: unknown;
}
type NextResolve = (specifier: string, context?: ResolveContext) => { url: string; format?: string | null | undefined };
type NextLoad = (url: string, context?: Record<string, unknown>) => unknown;
interface RegisterHooks {
  (hooks: {
    resolve(specifier: string, context: ResolveContext, next: NextResolve): unknown;
    load(url: string, context: Record<string, unknown>, next: NextLoad): unknown;
  }): unknown;
}

/** Node's public in-thread hooks, where this Node has them (22.15+, 23.5+). */
function registerHooksFunction(): RegisterHooks | null {
  const candidate = (module as unknown as { registerHooks?: unknown }).registerHooks;
  return typeof candidate === 'function' ? (candidate as RegisterHooks) : null;
}

/** Whether this Node can load TypeScript in the main thread through public hooks. */
export function hasPublicHooks(): boolean {
  return registerHooksFunction() !== null;
}

/**
 * Register the TypeScript hooks (once per process; a forked child inherits them). `from` is where
 * tsx is looked for (its bundled esbuild compiles): a path or file URL; the working directory and
 * multiproc's own dependencies are tried after it. False when this Node has no registerHooks or
 * no tsx is found: nothing is registered then.
 */
export function registerTypeScriptHooks(from?: string | null): boolean {
  const globals = globalThis as Record<symbol, unknown>;
  if (globals[registeredKey] === true) return true;
  const register = registerHooksFunction();
  if (register === null) return false;
  const esbuild = findEsbuild(from);
  if (esbuild === null) return false;
  globals[registeredKey] = true;
  process.setSourceMapsEnabled(true);
  register({ resolve: resolveTypeScript, load: (url, context, next) => loadTypeScript(url, context, next, esbuild) });
  return true;
}

/** tsx's own esbuild, found from `from`, the working directory, then multiproc's dependencies. */
function findEsbuild(from?: string | null): Esbuild | null {
  const bases = [from, join(process.cwd(), 'index.js'), import.meta.url].filter(
    (base): base is string => typeof base === 'string' && base !== '',
  );
  for (const base of bases) {
    try {
      const tsx = createRequire(isAbsolute(base) || base.startsWith('file:') ? base : join(process.cwd(), 'index.js')).resolve('tsx/esm');
      return createRequire(tsx)('esbuild') as Esbuild;
    } catch {
      // try the next place
    }
  }
  return null;
}

// TypeScript's own import forms: `./x.js` written for `./x.ts`, and extensionless paths.
const SUBSTITUTES: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/\.js$/, ['.ts', '.tsx']],
  [/\.jsx$/, ['.tsx']],
  [/\.mjs$/, ['.mts']],
  [/\.cjs$/, ['.cts']],
];
const NOT_FOUND = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND', 'ERR_UNSUPPORTED_DIR_IMPORT']);

function resolveTypeScript(specifier: string, context: ResolveContext, next: NextResolve): unknown {
  try {
    return next(specifier, context);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const relative = /^(\.{1,2}(\/|$)|\/|file:)/.test(specifier);
    if (typeof code !== 'string' || !NOT_FOUND.has(code) || !relative) throw error;
    for (const candidate of candidatesFor(specifier)) {
      try {
        return next(candidate, context);
      } catch {
        // try the next form
      }
    }
    throw error;
  }
}

function candidatesFor(specifier: string): string[] {
  for (const [pattern, replacements] of SUBSTITUTES) {
    if (pattern.test(specifier)) return replacements.map((ext) => specifier.replace(pattern, ext));
  }
  if (TS_FILE.test(specifier)) return [];
  const base = specifier.replace(/\/$/, '');
  return [`${base}.ts`, `${base}.tsx`, `${base}/index.ts`, `${base}/index.tsx`];
}

function loadTypeScript(url: string, context: Record<string, unknown>, next: NextLoad, esbuild: Esbuild): unknown {
  if (!url.startsWith('file:') || !TS_FILE.test(new URL(url).pathname)) return next(url, context);
  const file = fileURLToPath(url);
  const source = readFileSync(file, 'utf8');
  const compile = (format: 'esm' | 'cjs'): string =>
    esbuild.transformSync(source, {
      loader: file.endsWith('x') ? 'tsx' : 'ts',
      format,
      // platform node: CommonJS output names its exports for Node's cjs-module-lexer, so an ES
      // module can import them by name
      platform: 'node',
      sourcefile: file,
      sourcemap: 'inline',
      target: `node${process.versions.node.split('.')[0] ?? '22'}`,
    }).code;
  if (formatOf(file) === 'module') return { format: 'module', source: compile('esm'), shortCircuit: true };
  // A CommonJS scope (a .cts file, or no "type": "module"): TypeScript's own rule, import/export
  // compiled to require/exports (so `module` and `require` work, as under tsx). Top-level await
  // cannot be CommonJS: such a file (not .cts) is an ES module, as Node's own detection decides.
  try {
    return { format: 'commonjs', source: compile('cjs'), shortCircuit: true };
  } catch (error) {
    if (/\.cts$/.test(file) || !/Top-level await/i.test(String((error as Error | undefined)?.message))) throw error;
    return { format: 'module', source: compile('esm'), shortCircuit: true };
  }
}

/** "module" for .mts or a "type": "module" scope, "commonjs" for .cts or a CommonJS scope. */
export function formatOf(file: string): 'module' | 'commonjs' {
  if (/\.mtsx?$/.test(file)) return 'module';
  if (/\.ctsx?$/.test(file)) return 'commonjs';
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    try {
      return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { type?: unknown }).type === 'module' ? 'module' : 'commonjs';
    } catch {
      if (dirname(dir) === dir) return 'commonjs';
    }
  }
}
