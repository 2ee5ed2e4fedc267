// The modules the fork server imports for its children: each target's module once, so every child
// starts with it loaded (its importTarget and the Pool find it through sharePreloaded), TypeScript
// compiled in the server's own thread (a loader thread would make fork() unsafe). `generation`
// counts the imports: a spare forked before the last one lacks a module (src/bootstrap/server-spare.ts).
import { captureLoader, runTsxHooksInThread } from '../loading/in-thread-loader.ts';
import { importModule, sharePreloaded } from '../loading/typescript.ts';
import { globalState } from '../state.ts';

const namespaces = new Map<string, Record<string, unknown>>();
let typescriptReady: Promise<boolean> | undefined;
let generation = 0;

/** Prepare the server's module loading: Node's ESM loader internals kept for the children, tsx's hooks in this thread. */
export function prepareServerLoading(): void {
  sharePreloaded(namespaces);
  captureLoader(); // src/loading/in-thread-loader.ts
  typescriptReady = runTsxHooksInThread();
}

/** How many modules the server has imported (a spare forked at a lower generation is stale). */
export function moduleGeneration(): number {
  return generation;
}

/**
 * Import the modules not imported yet. A module that fails (or reaches start() at its top
 * level) is left for the child that needs it to report: it fails the same way there.
 */
export async function importAll(urls: string[]): Promise<void> {
  await typescriptReady;
  const state = globalState();
  for (const url of urls) {
    if (namespaces.has(url)) continue;
    generation++;
    state.importing = url;
    try {
      namespaces.set(url, await importModule(url));
    } catch {
      // reported by the child
    } finally {
      state.importing = null;
    }
  }
}
