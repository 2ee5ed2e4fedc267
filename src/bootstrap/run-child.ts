// The child side of spawn and forkserver: from a preparation message to a running Process.
// (fork needs none of this: its child already is a copy of the Process.)
import { runAfterForkHooksInSpawnedChild } from '../after-fork.ts';
import { BootstrapError } from '../errors.ts';
import { logToStderr } from '../log.ts';
import { Process } from '../process.ts';
import { adoptCurrent } from '../process-internals.ts';
import { rebuildInChild, rebuildsSettled, type ReceivedHandle } from '../reduction.ts';
import { globalState } from '../state.ts';
import { importTarget } from '../loading/target.ts';
import { becomeChild, printChildError, runChildProcess } from './become-child.ts';
import { applyEnv } from './child-options.ts';
import type { PreparationData } from './preparation-message.ts';

/**
 * Become the prepared Process and run it. A failure (to prepare, or of the target) ends the child
 * through `exit(1)`; otherwise it ends when its event loop has nothing left. The modules
 * that rebuild shareable objects (src/shareables.ts) must be loaded already: the fork server
 * imports them at start; a spawned child imports them first when it received some.
 */
export async function runPrepared(prep: PreparationData, handles: ReceivedHandle[], exit: (code: number) => never): Promise<void> {
  becomeChild({
    name: prep.name,
    identity: prep.identity,
    daemon: prep.daemon,
    parentPid: prep.parentPid,
    parentName: prep.parentName,
    startMethod: prep.startMethod,
    authkey: prep.authkey,
  });
  globalThis.process.argv = [globalThis.process.argv[0] as string, ...prep.argv.slice(1)];
  let instance: { run(): unknown };
  try {
    applyEnv(prep.env);
    if (prep.logLevel !== null) logToStderr(prep.logLevel);
    if (globalThis.process.cwd() !== prep.cwd) globalThis.process.chdir(prep.cwd);
    instance = await prepareInstance(prep, handles);
    runAfterForkHooksInSpawnedChild();
  } catch (error) {
    printChildError(
      prep.name,
      new BootstrapError(`${prep.name} could not prepare itself: ${(error as Error).message ?? String(error)}`, {
        cause: error,
        startMethod: prep.startMethod,
      }),
    );
    return exit(1);
  }
  const failed = await runChildProcess(prep.name, () => instance.run());
  if (failed !== null) exit(failed);
}

async function prepareInstance(prep: PreparationData, handles: ReceivedHandle[]): Promise<{ run(): unknown }> {
  const state = globalState();
  const values = rebuildInChild(prep.payload, handles);
  let cls: (new (...args: never[]) => unknown) | typeof Process = Process;
  let target: ((...args: never[]) => unknown) | undefined;
  try {
    // While the target's module is imported, a start() at its top level must refuse (no fork bombs).
    if (prep.cls !== null) {
      state.importing = prep.cls.url;
      cls = (await importTarget(prep.cls)) as unknown as typeof cls;
    }
    if (prep.target !== null) {
      state.importing = prep.target.url;
      target = await importTarget(prep.target);
    }
  } finally {
    state.importing = null;
  }
  // Arguments rebuilt here may still be finishing (a Barrier importing its action): let them, so
  // the target finds them whole (a waitSync() cannot wait for an import).
  await rebuildsSettled();
  // Python unpickles the object without calling __init__: same here, own fields restored.
  const instance = Object.create(cls.prototype as object) as { run(): unknown };
  Object.assign(instance, values.this);
  adoptCurrent(instance, { name: prep.name, identity: prep.identity, daemon: prep.daemon, target, args: values.args as unknown[] });
  return instance;
}
