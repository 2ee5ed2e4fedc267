// The public registerAfterFork() (index.ts exports registerUserAfterFork under that name): user
// hooks run in every child before its target, as Python's multiprocessing.util.register_after_fork. Under fork and forkserver a hook registered before the
// fork runs in the forked child (after multiproc reset its inherited state); a spawned child has a
// fresh heap, so only hooks its own imports registered run there, after the target's module loaded.
import { typeError } from './options.ts';

// Shared by every copy of the library in this process (the build a child's bootstrap runs and the
// one a target imports may differ), as src/state.ts's state is.
interface Shared {
  hooks: Set<() => void>;
  ran: boolean;
}
const holder = globalThis as unknown as Record<symbol, Shared | undefined>;
const key = Symbol.for('multiproc.afterFork.v1');
const shared: Shared = (holder[key] ??= { hooks: new Set(), ran: false });

/** In a forked child (src/os/child.ts, after the inherited state was reset): run the user's hooks. */
export function runUserAfterForkHooks(): void {
  shared.ran = true;
  for (const hook of [...shared.hooks]) {
    try {
      hook();
    } catch (error) {
      // As Python's _run_after_forkers: one failing hook does not stop the child or the others.
      process.stderr.write(
        `multiproc: an after-fork hook (${hook.name || 'anonymous'}) failed: ${(error as Error)?.stack ?? String(error)}\n`,
      );
    }
  }
}

/**
 * Call `hook()` in every child process before its target runs (Python's register_after_fork).
 * Returns a function that unregisters it. A hook that throws is reported on stderr; the child goes on.
 */
export function registerUserAfterFork(hook: () => void): () => void {
  if (typeof hook !== 'function') typeError('hook', 'a function', hook);
  shared.hooks.add(hook);
  return () => {
    shared.hooks.delete(hook);
  };
}

/** In a spawned child, once its target's module is loaded: run the hooks its imports registered (a forked one ran them already). */
export function runAfterForkHooksInSpawnedChild(): void {
  if (!shared.ran) runUserAfterForkHooks();
}
