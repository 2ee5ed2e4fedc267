// What every start method does in the child before running the target: take on the Process's
// identity (name, parent, counters), title the process for `ps`, and run it; the child ends as a
// Node.js program does (its event loop empty), or with 1 after an error printed under a
// `Process <name>:` header (Python's header).
import { heldWritesDone } from '../exit-hold.ts';
import { inspect } from 'node:util';
import type { StartMethod } from '../start-methods.ts';
import { globalState } from '../state.ts';
import { logAt, LogLevel } from '../log.ts';

/** Who the child is. */
export interface ChildIdentity {
  name: string;
  identity: number[];
  daemon: boolean;
  parentPid: number;
  parentName: string;
  startMethod: StartMethod;
  /** The authkey of the Process object (its creator's unless set). */
  authkey: Uint8Array;
}

/** Make this process the child described by `id`. */
export function becomeChild(id: ChildIdentity): void {
  const state = globalState();
  state.name = id.name;
  state.identity = [...id.identity];
  state.counter = 0;
  state.daemon = id.daemon;
  state.parent = { pid: id.parentPid, name: id.parentName };
  state.startedBy = id.startMethod;
  state.importing = null;
  state.mainPath = null;
  state.current = null;
  state.children = new Map();
  state.authkey = Buffer.from(id.authkey);
  setTitle(`multiproc: ${id.name}`);
}

/** Set process.title (what `ps` shows); ignored where the platform refuses. */
export function setTitle(title: string): void {
  try {
    process.title = title;
  } catch {
    // Some platforms do not allow it; the name is still known through currentProcess().
  }
}

/** Print an uncaught error of a child the way Python does: a header naming the process, then the stack. */
export function printChildError(name: string, error: unknown): void {
  const text = error instanceof Error && typeof error.stack === 'string' ? error.stack : inspect(error);
  process.stderr.write(`Process ${name}:\n${text}\n`);
}

/**
 * Run the child's `run()`. Resolves with null once it returned: the child then ends as a Node.js
 * program does, when its event loop has nothing left (its servers, sockets and ref'd timers keep
 * it alive), with `process.exitCode ?? 0`. An error from it resolves with 1, printed under a
 * `Process <name>:` header: the child then exits at once, as an uncaught error ends a program.
 */
export async function runChildProcess(name: string, run: () => unknown): Promise<number | null> {
  try {
    logAt(LogLevel.DEBUG, '%s (pid %d) running its target', name, process.pid);
    await run();
    await heldWritesDone(); // a Queue's putNowait backlog (src/exit-hold.ts)
    return null;
  } catch (error) {
    printChildError(name, error);
    return 1;
  }
}
