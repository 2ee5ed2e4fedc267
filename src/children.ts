// The children a process started: registration, the exit hook (as Python's atexit: daemon
// children are terminated, then every child is waited for), and what a forked child runs.
import { becomeChild, runChildProcess } from './bootstrap/become-child.ts';
import type { Launcher } from './launcher/launcher.ts';
import type { ProcessInternals } from './process.ts';
import { globalState } from './state.ts';

/** Record a started child. */
export function registerChild(process: object, launcher: Launcher, daemon: boolean): void {
  const state = globalState();
  state.children.set(process, { launcher, daemon });
  if (!state.exitHookInstalled) {
    state.exitHookInstalled = true;
    globalThis.process.on('exit', onExit);
  }
}

/** Forget a joined or closed child. */
export function unregisterChild(process: object): void {
  globalState().children.delete(process);
}

/** Started children that still run (ended ones are forgotten, as Python's _cleanup does). */
export function liveChildren(): object[] {
  const state = globalState();
  const live: object[] = [];
  for (const [process, entry] of state.children) {
    if (entry.launcher.poll() === null) live.push(process);
    else state.children.delete(process);
  }
  return live;
}

function onExit(): void {
  const entries = [...globalState().children.values()].filter((entry) => entry.launcher.poll() === null);
  for (const entry of entries) if (entry.daemon) entry.launcher.terminate();
  // Blocking here is what Python does at exit: non-daemon children finish their work.
  for (const entry of entries) entry.launcher.waitSync();
}

/** For the fork start method: what the forked copy runs. Captures the parent's identity first. */
export function childRunner(process: { run(): unknown }, self: ProcessInternals): () => Promise<number> {
  const state = globalState();
  const parentPid = globalThis.process.pid;
  const parentName = state.name;
  return () => {
    // The parent's exit code (set by a failure it had, say) is not the child's.
    globalThis.process.exitCode = undefined;
    becomeChild({ name: self.name, identity: self.identity, daemon: self.daemon, parentPid, parentName, startMethod: 'fork', authkey: self.authkey });
    self.isCurrent = true;
    self.launcher = null;
    self.parentPid = parentPid;
    state.current = process;
    return runChildProcess(self.name, () => process.run());
  };
}
