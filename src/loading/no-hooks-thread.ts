// Importing tsx's ESM entry (`tsx/esm`) from a main thread registers its hooks with
// module.register, on every Node that has it (tsx checks for Node >= 20.6 and isMainThread):
// that starts Node's module-hooks thread, a second V8 isolate, and routes every import() not yet
// customized to it. The fork server imports that entry only to run the same hooks in its own
// thread (src/loading/in-thread-loader.ts), so the registration is withheld here. With it, the
// server forked children while that thread was alive, and while an import() of tsx's own
// (es-module-lexer, started without await when tsx loads) was pending on it: Node refs the hooks
// thread while a request is pending, the child inherited that reference without the thread, and
// its event loop never ended after its target returned (test/os/std-input.test.ts, forkserver
// through `script`; test/loading/no-hooks-thread.test.ts).
import Module, { syncBuiltinESMExports } from 'node:module';
import { importUrl } from './dynamic-import.ts';

type Register = (this: unknown, specifier: unknown, parentURL?: unknown, options?: unknown) => unknown;

/**
 * import() of `url` during which module.register calls made from a module under `ownDir` (a
 * file: URL ending in '/') are withheld; other callers' registrations go through unchanged.
 */
export async function importWithoutHooksThread(url: string, ownDir: string): Promise<unknown> {
  const registry = Module as unknown as { register?: Register };
  const register = registry.register;
  if (typeof register !== 'function') return importUrl(url);
  registry.register = function (this: unknown, specifier: unknown, parentURL?: unknown, options?: unknown): unknown {
    if (parentOf(parentURL, options).startsWith(ownDir)) return undefined;
    return register.call(this, specifier, parentURL, options);
  };
  syncBuiltinESMExports(); // `import { register } from 'node:module'` sees the replacement too
  try {
    return await importUrl(url);
  } finally {
    registry.register = register;
    syncBuiltinESMExports();
  }
}

// module.register(specifier, parentURL?, options?): the parent is a string or URL, or the
// `parentURL` of the options object given in its place.
function parentOf(parentURL: unknown, options: unknown): string {
  const parent =
    typeof parentURL === 'string' || parentURL instanceof URL
      ? parentURL
      : ((parentURL ?? options) as { parentURL?: unknown } | undefined)?.parentURL;
  return typeof parent === 'string' || parent instanceof URL ? String(parent) : '';
}
