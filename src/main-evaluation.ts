// Whether this process can import() its main module. A forked child's import() of an ES module
// main never settles when the parent forked it before that module finished evaluating (a
// top-level await around start()): the child's copy of the module is "evaluating" forever.
// An import() of the main module, started while the main is still evaluating, settles once the
// main has run to its end; a forked child inherits the answer known at its fork. It is started
// when this library is first loaded, from process.argv[1], where the main module's URL can be
// told for sure (watchMainFromArgv), else by isMain(import.meta) in the main module.
import { realpathSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { importUrl } from './loading/dynamic-import.ts';
import { hasLoaderThreadOptions } from './loading/typescript.ts';
import { entryPath } from './paths.ts';
import { globalState } from './state.ts';

interface Tracker {
  url: string;
  evaluated: boolean;
}

const KEY = Symbol.for('multiproc.mainEvaluation');
const slot = globalThis as Record<symbol, Tracker | undefined>;

/** From isMain(import.meta) in a JavaScript ES module main: watch, once, for `url` to finish evaluating. */
export function watchMainEvaluation(url: string): void {
  if (slot[KEY] !== undefined) return;
  const tracker: Tracker = { url, evaluated: false };
  slot[KEY] = tracker;
  const settled = (): void => {
    tracker.evaluated = true;
  };
  importUrl(url).then(settled, settled);
}

/** Whether mainImportNeverSettles(url) needs asking: `url` is the main, which this forked child was not seen to finish. */
export function mainImportMayNeverSettle(url: string): boolean {
  const tracker = slot[KEY];
  return tracker !== undefined && !tracker.evaluated && tracker.url === url && globalState().startedBy === 'fork';
}

/**
 * Whether import() of `url` would never settle here: it is the main module, and this process was
 * forked before the main was seen to finish evaluating. Seen or not, the main may have finished
 * (the library was loaded after it had, and its watch had not settled yet at the fork): then an
 * import() of it settles within microtasks, as the module is evaluated and nothing is read; so
 * one that has not settled after a turn of the event loop never will.
 */
export async function mainImportNeverSettles(url: string): Promise<boolean> {
  const tracker = slot[KEY];
  if (!mainImportMayNeverSettle(url) || tracker === undefined) return false;
  let settled = false;
  const done = (): void => {
    settled = true;
  };
  importUrl(url).then(done, done);
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (settled) tracker.evaluated = true;
  return !settled;
}

// Options under which the main module's URL may not be pathToFileURL(realpath(argv[1])), and an
// import() of that URL, not the main's, would evaluate the main a second time: module hooks on a
// loader thread (the options the fork start method refuses too), a main kept at its symlink, a
// test runner that imports several files into one process.
const URL_CHANGING_OPTION = /^--(preserve-symlinks-main|experimental-default-type|test)(=|$)/;

/** The main module's URL when the main is a JavaScript ES module run by plain node and its URL is certain; else null. */
function mainModuleUrlFromArgv(): string | null {
  if (!isMainThread) return null; // argv[1] is the process's main, which a worker thread never ran
  const state = globalState();
  if (state.startedBy !== null || state.mainPath === null || !/\.m?js$/.test(state.mainPath)) return null;
  if ((process as { mainModule?: unknown }).mainModule !== undefined) return null; // a CommonJS main: require() runs it, never import()
  const options = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (hasLoaderThreadOptions(options) || options.some((option) => URL_CHANGING_OPTION.test(option))) return null;
  let real: string;
  try {
    real = realpathSync(resolve(state.mainPath));
  } catch {
    return null;
  }
  if (real.startsWith(dirname(entryPath('index')) + sep)) return null; // one of this library's own entries: a child's bootstrap, the CLI
  return pathToFileURL(real).href;
}

/** At this library's first load in the main process (while a main that imports it is still evaluating): watch the main module. */
function watchMainFromArgv(): void {
  const url = mainModuleUrlFromArgv();
  if (url !== null) watchMainEvaluation(url);
}

watchMainFromArgv();
