// How a process that forks loads TypeScript. tsx's ESM loader (`--import tsx`, the `tsx` CLI)
// runs its hooks on a thread of their own: a second V8 isolate, which does work (compiling,
// garbage collection) whenever it likes. A fork() taken while it holds one of V8's process-wide
// locks leaves that lock held for good in the child, which then hangs in a futex
// (docs/DECISIONS.md, "TypeScript under fork"). So a process that forks compiles TypeScript in
// its main thread instead: tsx's CommonJS hook plus multiproc's in-thread preload
// (src/loading/in-thread-ts.ts), as `multiproc run` and the fork server do.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { importUrl } from './dynamic-import.ts';
import { entryPath } from '../paths.ts';
import { formatOf, hasPublicHooks } from './ts-hooks.ts';

/** A TypeScript file name (or URL path): .ts, .tsx, .mts, .cts, … */
export const TS_FILE = /\.[cm]?tsx?$/;

const LOADER_FLAG = /^--(import|loader|experimental-loader|require|r)(=|$)/;
const TSX_VALUE = /(^|[/\\])tsx([/\\@]|$)|in-thread-ts\.[jt]s$/;

/** Options that may register module hooks on a loader thread (Node 20 has no in-thread hooks). */
export function hasLoaderThreadOptions(execArgv: readonly string[] = process.execArgv): boolean {
  return execArgv.some(
    (arg, i) =>
      /^--(experimental-)?loader(=|$)/.test(arg) ||
      (arg === '--import' && /tsx|loader|hook|register/i.test(execArgv[i + 1] ?? '')) ||
      /^--import=.*(tsx|loader|hook|register)/i.test(arg),
  );
}

/** Whether these options load TypeScript through tsx (its ESM loader or its CommonJS hook). */
export function usesTsx(execArgv: readonly string[] = process.execArgv): boolean {
  return loaderValues(execArgv).some((value) => TSX_VALUE.test(value));
}

/** The options without tsx's loaders (ESM or CommonJS) and multiproc's in-thread preload. */
export function withoutTsx(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if (LOADER_FLAG.test(arg)) {
      const inline = arg.includes('=');
      const value = inline ? arg.slice(arg.indexOf('=') + 1) : execArgv[i + 1];
      if (!inline) i++;
      if (value !== undefined && TSX_VALUE.test(value)) continue;
      out.push(arg.split('=')[0]!, value ?? '');
      continue;
    }
    out.push(arg);
  }
  return out;
}

/**
 * The options that load TypeScript in the main thread: tsx's CommonJS hook (resolved from
 * `from` first, then from multiproc's own dependencies) and the in-thread preload. Null when
 * tsx cannot be found. The process must also run with ESBUILD_WORKER_THREADS=0.
 */
export function inThreadTsOptions(from: string = process.argv[1] ?? process.cwd() + '/'): string[] | null {
  for (const base of [from, import.meta.url]) {
    try {
      return ['--require', createRequire(base).resolve('tsx/cjs'), '--require', entryPath('loading/in-thread-ts')];
    } catch {
      // try the next place
    }
  }
  return null;
}

/** `execArgv` with tsx's ESM loader replaced by in-thread compilation (unchanged without tsx). */
export function forkSafeExecArgv(execArgv: readonly string[], from?: string): string[] {
  if (!usesTsx(execArgv)) return [...execArgv];
  const inThread = inThreadTsOptions(from);
  return inThread === null ? [...execArgv] : [...withoutTsx(execArgv), ...inThread];
}

/** The tsx CommonJS hook this process was started with alongside the in-thread preload, or null. */
export function inThreadTsHook(execArgv: readonly string[] = process.execArgv): string | null {
  const values = loaderValues(execArgv);
  if (!values.some((value) => /in-thread-ts\.[jt]s$/.test(value))) return null;
  return values.find((value) => TSX_VALUE.test(value) && !/in-thread-ts\.[jt]s$/.test(value)) ?? null;
}

function loaderValues(execArgv: readonly string[]): string[] {
  const values: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if (!LOADER_FLAG.test(arg)) continue;
    if (arg.includes('=')) values.push(arg.slice(arg.indexOf('=') + 1));
    else values.push(execArgv[++i] ?? '');
  }
  return values;
}

const preloadedKey = Symbol.for('multiproc.preloaded.v1');

/** In a fork server: the namespaces it imported, by URL, which its children inherit (see importLoaded). */
export function sharePreloaded(namespaces: ReadonlyMap<string, Record<string, unknown>>): void {
  (globalThis as Record<symbol, unknown>)[preloadedKey] = namespaces;
}

/**
 * import() a module by URL; in a fork-server child, a module the server imported is taken from
 * the server's namespaces at once (no trip through the ESM loader, which is slow in a cold
 * child even for a module already loaded).
 */
export async function importLoaded(url: string): Promise<Record<string, unknown>> {
  const preloaded = (globalThis as Record<symbol, ReadonlyMap<string, Record<string, unknown>> | undefined>)[preloadedKey]?.get(url);
  return preloaded ?? (await importModule(url));
}

/**
 * import() a module by URL. A TypeScript file that Node's ESM loader cannot load (no loader
 * hooks: TypeScript compiled in-thread) is required instead, through tsx's CommonJS hook, and
 * given the shape of a module namespace.
 */
export async function importModule(url: string): Promise<Record<string, unknown>> {
  // TypeScript of a CommonJS scope under Node's public in-thread hooks is required: Node 22
  // cannot require() an ES module (multiproc's CommonJS entry does) from CommonJS that its ES
  // module loader is running ("from a module not been linked").
  if (url.startsWith('file:') && TS_FILE.test(new URL(url).pathname) && hasPublicHooks() && formatOf(fileURLToPath(url)) === 'commonjs') {
    try {
      return namespaceOf(createRequire(url)(fileURLToPath(url)));
    } catch (error) {
      const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
      if (code !== 'ERR_REQUIRE_ASYNC_MODULE' && !/Top-level await is currently not supported/.test(String(message))) throw error;
    }
  }
  try {
    return (await importUrl(url)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !url.startsWith('file:')) throw error;
    let exports: unknown;
    try {
      exports = createRequire(url)(fileURLToPath(url));
    } catch {
      throw error;
    }
    return namespaceOf(exports);
  }
}

function namespaceOf(exports: unknown): Record<string, unknown> {
  if (exports !== null && typeof exports === 'object' && (exports as { __esModule?: unknown }).__esModule === true)
    return exports as Record<string, unknown>;
  return Object.assign(Object.create(null) as Record<string, unknown>, exports, { default: exports });
}
