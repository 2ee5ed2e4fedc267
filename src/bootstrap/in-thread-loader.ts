// Module hooks registered with module.register (tsx's, for .ts files, with `--import tsx`) run
// on a loader thread, which a forked child does not have: any import() there would wait for it
// forever. A forked child replaces that loader with one that runs in its own thread: Node's own
// resolution and loading, except that a TypeScript file is loaded as CommonJS through the
// require hook the loader installed in this thread (tsx's compiles it there). So import() in a
// forked child works (a .ts module with top-level await fails with Node's error, never hangs).
// Needs Node's internals: the process must run with --expose-internals.
import { createRequire } from 'node:module';

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

/** Options that may register module hooks on a loader thread (Node 20 has no in-thread hooks). */
export function hasLoaderThreadOptions(execArgv: readonly string[] = process.execArgv): boolean {
  return execArgv.some((arg, i) => /^--(experimental-)?loader(=|$)/.test(arg) || (arg === '--import' && /tsx|loader|hook|register/i.test(execArgv[i + 1] ?? '')) || /^--import=.*(tsx|loader|hook|register)/i.test(arg));
}

/** Capture the loader internals now (in the process that will fork); null without --expose-internals. */
export function captureLoader(): EsmInternals | null {
  if (internals !== undefined) return internals;
  if (!process.execArgv.includes('--expose-internals')) return (internals = null);
  const internal = createRequire(import.meta.url);
  const { getOrInitializeCascadedLoader } = internal('internal/modules/esm/loader') as { getOrInitializeCascadedLoader(this: void): Loader };
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
    resolve: (specifier: string, parentURL: string | undefined, attributes: unknown) => esm.loader.defaultResolve(specifier, parentURL, attributes),
    resolveSync: (specifier: string, parentURL: string | undefined, attributes: unknown) => esm.loader.defaultResolve(specifier, parentURL, attributes),
    load: (url: string, context: Record<string, unknown>) =>
      /\.[cm]?tsx?$/.test(new URL(url).pathname) ? { format: 'commonjs', source: null, responseURL: url, shortCircuit: true } : esm.defaultLoad(url, context),
    importMetaInitialize: (meta: object, context: unknown, loader: unknown) => esm.initializeImportMeta(meta, context, loader),
    forceLoadHooks: () => undefined,
  });
}
