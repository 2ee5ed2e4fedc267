// Module hooks registered with module.register on a loader thread by a loader other than tsx
// (tsx's is replaced by in-thread compilation in the fork server: src/loading/typescript.ts) are missing
// in a forked child: any import() there would wait for that thread forever. A fork-server child
// of such a server replaces that loader with one that runs in its own thread: Node's own
// resolution and loading, except that a TypeScript file is loaded as CommonJS through the
// require hook installed in this thread. (The fork itself is not made safe by this: see
// docs/DECISIONS.md, "TypeScript under fork".) Needs --expose-internals.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { importWithoutHooksThread } from './no-hooks-thread.ts';
import { hasLoaderThreadOptions, inThreadTsHook, TS_FILE } from './typescript.ts';
import { formatOf, hasPublicHooks, registerTypeScriptHooks } from './ts-hooks.ts';

interface Loader {
  setCustomizations(customizations: object | null): void;
  defaultResolve(specifier: string, parentURL: string | undefined, attributes: unknown): unknown;
}

interface EsmInternals {
  loader: Loader;
  defaultLoad(this: void, url: string, context: Record<string, unknown>): unknown;
  initializeImportMeta(this: void, meta: object, context: unknown, loader: unknown): unknown;
}

let internals: EsmInternals | null | undefined;

/** Capture the loader internals now (in the process that will fork); null without --expose-internals. */
export function captureLoader(): EsmInternals | null {
  if (internals !== undefined) return internals;
  if (!process.execArgv.includes('--expose-internals')) return (internals = null);
  const internal = createRequire(import.meta.url);
  const { getOrInitializeCascadedLoader } = internal('internal/modules/esm/loader') as {
    getOrInitializeCascadedLoader(this: void): Loader;
  };
  const { defaultLoad } = internal('internal/modules/esm/load') as Pick<EsmInternals, 'defaultLoad'>;
  const { initializeImportMeta } = internal('internal/modules/esm/initialize_import_meta') as Pick<EsmInternals, 'initializeImportMeta'>;
  return (internals = { loader: getOrInitializeCascadedLoader(), defaultLoad, initializeImportMeta });
}

/** In a forked child: load modules in this thread from now on (see the top of this file). */
export function useInThreadLoader(): void {
  const esm = internals;
  // Without a loader thread there is nothing to replace, and Node's own loader must stay: with
  // this one in place, a plain-node fork-server child waited forever on import() of a module the
  // server had already loaded (found with Pool workers).
  if (esm === null || esm === undefined || !hasLoaderThreadOptions()) return;
  esm.loader.setCustomizations({
    allowImportMetaResolve: true,
    resolve: (specifier: string, parentURL: string | undefined, attributes: unknown) =>
      esm.loader.defaultResolve(specifier, parentURL, attributes),
    resolveSync: (specifier: string, parentURL: string | undefined, attributes: unknown) =>
      esm.loader.defaultResolve(specifier, parentURL, attributes),
    load: (url: string, context: Record<string, unknown>) =>
      TS_FILE.test(new URL(url).pathname)
        ? { format: 'commonjs', source: null, responseURL: url, shortCircuit: true }
        : esm.defaultLoad(url, context),
    importMetaInitialize: (meta: object, context: unknown, loader: unknown) => esm.initializeImportMeta(meta, context, loader),
    forceLoadHooks: () => undefined,
  });
}

type Hook = (...args: never[]) => unknown;
interface TsxHooks {
  initialize?: (data: unknown) => unknown;
  resolve: (
    specifier: string,
    context: Record<string, unknown>,
    next: (specifier: string, context?: Record<string, unknown>) => unknown,
  ) => Promise<unknown>;
  load: (
    url: string,
    context: Record<string, unknown>,
    next: (url: string, context?: Record<string, unknown>) => unknown,
  ) => Promise<{ source?: unknown; responseURL?: string }>;
}

/**
 * Run tsx's ESM hooks (resolve, load) in this thread, through Node's internal customizations
 * interface, instead of on the loader thread module.register would give them: TypeScript then
 * loads as ES modules (top-level await included) with no second V8 isolate in a process that
 * forks. On a Node with module.registerHooks (22.15+) that public interface is used instead
 * (src/loading/ts-hooks.ts). Otherwise needs --expose-internals; resolves to false when this cannot be
 * done (no internals, no tsx), leaving the loader as it was.
 */
export async function runTsxHooksInThread(): Promise<boolean> {
  // Where tsx's CommonJS hook was found (a path, or a bare `tsx/cjs` resolved from the working
  // directory), when this process compiles TypeScript in-thread at all.
  const from = inThreadTsHook();
  if (from === null) return false;
  // Node's public in-thread hooks, where this Node has them: no internals needed.
  if (hasPublicHooks()) return registerTypeScriptHooks(from);
  const esm = captureLoader();
  if (esm === null) return false;
  let hooks: TsxHooks;
  let tsxEsm: string;
  const owner = process.pid;
  try {
    tsxEsm = createRequire(isAbsolute(from) || from.startsWith('file:') ? from : join(process.cwd(), 'index.js')).resolve('tsx/esm');
    // tsx's entry registers itself on a hooks thread when imported: withheld (no-hooks-thread.ts).
    hooks = (await importWithoutHooksThread(pathToFileURL(tsxEsm).href, pathToFileURL(dirname(dirname(tsxEsm))).href + '/')) as TsxHooks;
    await hooks.initialize?.({});
  } catch {
    return false;
  }
  let esbuild: EsbuildSync | undefined;
  const nextResolve = (specifier: string, context: Record<string, unknown> = {}): unknown =>
    esm.loader.defaultResolve(specifier, context['parentURL'] as string | undefined, context['importAttributes']);
  const nextLoad = (url: string, context: Record<string, unknown> = {}): unknown => esm.defaultLoad(url, context);
  esm.loader.setCustomizations({
    allowImportMetaResolve: true,
    resolve: (specifier: string, parentURL: string | undefined, importAttributes: unknown) =>
      hooks.resolve(specifier, { parentURL, importAttributes, conditions: ['node', 'import', 'node-addons'] }, nextResolve),
    resolveSync: (specifier: string, parentURL: string | undefined, importAttributes: unknown) =>
      esm.loader.defaultResolve(specifier, parentURL, importAttributes),
    load: async (url: string, context: Record<string, unknown>) => {
      // In a forked child, tsx's asynchronous compile would talk to the esbuild service process
      // of the process it was forked from, through pipes the child has let go of: compile here,
      // synchronously (esbuild's binary run per call), instead.
      if (process.pid !== owner && url.startsWith('file:') && TS_FILE.test(new URL(url).pathname)) {
        esbuild ??= createRequire(tsxEsm)('esbuild') as EsbuildSync; // tsx's own esbuild
        return loadTypeScriptSync(url, esbuild);
      }
      const result = await hooks.load(url, context, nextLoad);
      // The internal interface wants what Node's hook chain would have filled in.
      const source =
        result.source === undefined || result.source === null || typeof result.source === 'string'
          ? result.source
          : Buffer.from(result.source as Uint8Array).toString();
      return { ...result, responseURL: result.responseURL ?? url, source };
    },
    importMetaInitialize: (meta: object, context: unknown, loader: unknown) => esm.initializeImportMeta(meta, context, loader),
    forceLoadHooks: () => undefined,
  } satisfies Record<string, Hook | boolean>);
  return true;
}

interface EsbuildSync {
  transformSync(code: string, options: Record<string, unknown>): { code: string };
}

/** A TypeScript file compiled synchronously: an ES module's source, or CommonJS left to require() (tsx's hook). */
function loadTypeScriptSync(url: string, esbuild: EsbuildSync): Record<string, unknown> {
  const file = fileURLToPath(url);
  if (formatOf(file) === 'commonjs') return { format: 'commonjs', source: null, responseURL: url, shortCircuit: true };
  const { code } = esbuild.transformSync(readFileSync(file, 'utf8'), {
    loader: file.endsWith('x') ? 'tsx' : 'ts',
    format: 'esm',
    sourcefile: file,
    sourcemap: 'inline',
    target: `node${process.versions.node.split('.')[0] ?? '20'}`,
  });
  return { format: 'module', source: code, responseURL: url, shortCircuit: true };
}
