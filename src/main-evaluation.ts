// Whether this process can import() its main module. A forked child's import() of an ES module
// main never settles when the parent forked it before that module finished evaluating (a
// top-level await around start()): the child's copy of the module is "evaluating" forever.
// When the main module calls isMain(import.meta), it starts an import() of itself, which settles
// once the main has run to its end; a forked child inherits the answer known at its fork.
import { importUrl } from './loading/dynamic-import.ts';
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

/** Whether import() of `url` would never settle here: it is the main module, which was still evaluating when this process was forked. */
export function mainImportNeverSettles(url: string): boolean {
  const tracker = slot[KEY];
  return tracker !== undefined && !tracker.evaluated && tracker.url === url && globalState().startedBy === 'fork';
}
