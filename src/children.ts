// The children a process started: registration, and the exit hook (as Python's atexit: daemon
// children are terminated, then every child is waited for).
import type { Launcher } from './launcher/launcher.ts';
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
  for (const entry of entries) entry.launcher.awaitExitSync();
}
