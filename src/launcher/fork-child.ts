// The `fork` start method, the child's side: what the forked copy of the parent does. The child
// is forked inside start(), deep in the parent's call stack (often in a microtask or a timer
// callback). It must never return into the parent's code: the addon's unwindThenCall terminates
// the copied JavaScript stack (uncatchable, no catch/finally of the parent runs), then calls the
// child's own entry from a fresh turn of the event loop, which becomes the Process and runs its
// target; the child ends, through _exit, once the target settled and its loop has nothing left.
import { applyEnv, applyStdio } from '../bootstrap/child-options.ts';
import { becomeChild, runChildProcess } from '../bootstrap/become-child.ts';
import { enterForkedChild, setUnwinding } from '../bootstrap/forked-child.ts';
import type { NativeBinding } from '../native/binding.ts';
import type { ProcessInternals } from '../process-internals.ts';
import type { ChildOptions } from '../process-options.ts';
import { globalState } from '../state.ts';
import { keepingHandles } from './fork-handles.ts';
import type { ProcessToStart } from './launcher.ts';

/** What the forked child runs; resolves with null when the target returned, or the code to exit with at once (a failure). */
export type ForkedRun = () => Promise<number | null>;

/** The run of `process` in its forked copy. Captures the parent's identity now, before the fork. */
export function forkedRun(process: ProcessToStart, self: ProcessInternals): ForkedRun {
  const state = globalState();
  const parentPid = globalThis.process.pid;
  const parentName = state.name;
  return () => {
    // The parent's exit code (set by a failure it had, say) is not the child's.
    globalThis.process.exitCode = undefined;
    becomeChild({
      name: self.name,
      identity: self.identity,
      daemon: self.daemon,
      parentPid,
      parentName,
      startMethod: 'fork',
      authkey: self.authkey,
    });
    self.isCurrent = true;
    self.launcher = null;
    self.parentPid = parentPid;
    state.current = process;
    return runChildProcess(self.name, () => process.run());
  };
}

/**
 * In the forked child, right after fork(): apply `options`, leave the parent's stack and `run`.
 * `own` are the net handles the child was given (its arguments'): kept open. Never returns.
 */
export function enterForkedProcess(
  native: NativeBinding,
  parent: number,
  options: ChildOptions,
  pipeFds: number[],
  run: ForkedRun,
  own: object[],
): never {
  let exit: (code: number) => never;
  try {
    exit = keepingHandles(own, () => enterForkedChild({ parentDeathSignal: 9, expectedParent: parent }));
    applyStdio(native, options.stdio, pipeFds);
    applyEnv(options.env);
    if (options.cwd !== null) process.chdir(options.cwd);
  } catch (error) {
    process.stderr.write(`multiproc: a forked child could not prepare itself: ${(error as Error).stack ?? String(error)}\n`);
    return native.exit(1);
  }
  // Unwind the parent's stack (uncatchable) and run the target from a fresh turn of the loop.
  const stack = asyncStack();
  setUnwinding(true);
  native.unwindThenCall(
    () => {
      setUnwinding(false);
      // Node's timer bookkeeping may have been cut short by the unwinding (a timer callback's
      // `finally`), which can leave its timer handle unreferenced: hold the loop open ourselves
      // until the target settles, with a pipe nobody writes to (no wake-ups).
      const [readEnd, writeEnd] = native.pipe();
      const hold = native.watchReadable(readEnd, () => undefined);
      void run().then((failed) => {
        hold.close();
        native.close(readEnd);
        native.close(writeEnd);
        // Returned: the loop-end watcher of src/os/child.ts ends the child once its loop has
        // nothing left (timers, servers and sockets of the target first).
        if (failed !== null) exit(failed);
      });
    },
    stack.async_hook_fields,
    stack.async_id_fields,
    [stack.constants.kStackLength, stack.constants.kExecutionAsyncId, stack.constants.kTriggerAsyncId],
  );
  // The termination is delivered at the next interrupt check: this loop's back edge.
  for (;;) {
    // never left
  }
}

interface AsyncWrapBinding {
  async_hook_fields: Uint32Array;
  async_id_fields: Float64Array;
  constants: { kStackLength: number; kExecutionAsyncId: number; kTriggerAsyncId: number };
}

// Node's async-context stack, which the unwinding leaves with entries it must clear
// (process.binding is deprecated, hence the warning is silenced for this one read).
let stackProblem: string | null | undefined;

/**
 * Null when Node's async_wrap binding can be read (the forked child needs it, see below), else
 * why not: Node 24 removed it from process.binding().
 */
export function asyncStackProblem(): string | null {
  if (stackProblem === undefined) {
    try {
      asyncStack();
      stackProblem = null;
    } catch (error) {
      stackProblem = (error as Error | undefined)?.message ?? String(error);
    }
  }
  return stackProblem;
}

// Read once, in the parent (its `fork` availability check asks first): the child inherits the
// object and its typed arrays over the same memory, and does not pay for the binding's lookup.
let asyncWrap: AsyncWrapBinding | undefined;

function asyncStack(): AsyncWrapBinding {
  return (asyncWrap ??= readAsyncStack());
}

function readAsyncStack(): AsyncWrapBinding {
  const quiet = process.noDeprecation === true;
  process.noDeprecation = true;
  try {
    return (process as unknown as { binding(name: string): AsyncWrapBinding }).binding('async_wrap');
  } finally {
    process.noDeprecation = quiet;
  }
}
