// What every start method does in the child before running the target: take on the Process's
// identity (name, parent, counters), title the process for `ps`, and run, ending with the exit
// code Python uses (0, 1 after an uncaught error printed under a `Process <name>:` header).
import { inspect } from 'node:util';
import type { StartMethod } from '../start-methods.ts';
import { globalState } from '../state.ts';

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

/** Run the child's `run()`; resolves with the exit code Python would use (0, or 1 after printing the error). */
export async function runChildProcess(name: string, run: () => unknown): Promise<number> {
  try {
    await run();
    return Number(process.exitCode ?? 0) || 0;
  } catch (error) {
    printChildError(name, error);
    return 1;
  }
}
