// setExecutable(): the node binary that spawned children and the fork server run (Python's
// set_executable). Kept in a process-global slot, shared by every copy of the library.
import { accessSync, constants, statSync } from 'node:fs';
import { rangeError, typeError } from './options.ts';

const key = Symbol.for('multiproc.executable.v1');
const holder = globalThis as unknown as Record<symbol, { path: string } | undefined>;
const slot = (holder[key] ??= { path: process.execPath });

/**
 * Set the Node.js executable used to start spawned children and the fork server (default:
 * process.execPath). It must be an executable file that runs JavaScript as `node` does (a wrapper
 * script that execs node is fine). A fork server already running keeps its executable.
 */
export function setExecutable(path: string): void {
  if (typeof path !== 'string' || path === '') typeError('path', 'the path of a Node.js executable', path);
  let ok = false;
  try {
    accessSync(path, constants.X_OK);
    ok = statSync(path).isFile();
  } catch {
    // reported below
  }
  if (!ok) rangeError('path', 'an existing executable file', path);
  slot.path = path;
}

/** The executable spawned children and the fork server run (see setExecutable). */
export function getExecutable(): string {
  return slot.path;
}
