// Process.onExit: one promise per started child, resolved with its exit code when it ends.
// Kept apart from process.ts: a WeakMap keyed by the Process object (a child rebuilds subclass
// instances without their constructor, so no #private field could hold it).
import { unregisterChild } from './children.ts';
import type { Launcher } from './launcher/launcher.ts';

const exits = new WeakMap<object, Promise<number>>();

/** The promise made for `process` before (if any). */
export function knownExit(process: object): Promise<number> | undefined {
  return exits.get(process);
}

/** `process`'s exit promise, made on first use: as join(), waiting on it keeps this process alive. */
export function exitPromise(process: object, launcher: Launcher): Promise<number> {
  let found = exits.get(process);
  if (found === undefined) {
    found = launcher.wait().then((code) => {
      unregisterChild(process);
      return code as number; // no timeout: never null
    });
    exits.set(process, found);
  }
  return found;
}
