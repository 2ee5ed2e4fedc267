// Who am I: currentProcess(), parentProcess(), activeChildren(), cpuCount(), availableParallelism(), isMain().
import { realpathSync } from 'node:fs';
import { availableParallelism as osAvailableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { liveChildren } from './children.ts';
import { watchMainEvaluation } from './main-evaluation.ts';
import { Process } from './process.ts';
import { adoptCurrent } from './process-internals.ts';
import { globalState } from './state.ts';

/** The Process object of the calling process: the child's own, or `MainProcess`. */
export function currentProcess(): Process {
  const state = globalState();
  if (state.current === null) {
    const main = Object.create(Process.prototype) as Process;
    adoptCurrent(main, { name: state.name, identity: state.identity, daemon: state.daemon });
  }
  return state.current as Process;
}

const kMakeParent = Symbol('multiproc.makeParentProcess');

/** The process that started this one, as seen from a child; obtained from parentProcess(). */
export class ParentProcess {
  readonly pid: number;
  readonly name: string;

  /** Internal: use parentProcess(). */
  constructor(pid: number, name: string, key?: symbol) {
    if (key !== kMakeParent)
      throw new TypeError('A ParentProcess comes from parentProcess() (null in the main process); do not construct it.');
    this.pid = pid;
    this.name = name;
  }

  /** True while the parent runs (a signal-0 probe). */
  isAlive(): boolean {
    try {
      process.kill(this.pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
}

/** The parent of a child process; null in the main process. */
export function parentProcess(): ParentProcess | null {
  const parent = globalState().parent;
  return parent === null ? null : new ParentProcess(parent.pid, parent.name, kMakeParent);
}

/** Children started by this process that are still alive and not joined. */
export function activeChildren(): Process[] {
  return liveChildren() as Process[];
}

/** Number of CPUs in the system, as Python's cpu_count() (`os.cpus().length`; at least 1). */
export function cpuCount(): number {
  return Math.max(1, cpus().length);
}

/**
 * Number of CPUs this process may use (its CPU affinity: follows `taskset`), as Python's
 * os.process_cpu_count(); the default size of a Pool.
 */
export function availableParallelism(): number {
  return osAvailableParallelism();
}

/**
 * True when `meta` (a module's `import.meta`, or a CommonJS `module`) is the program's main
 * module; always false in a child. The guard that keeps children from starting children when
 * they import the module: `if (isMain(import.meta)) { … }`, like Python's `__name__ == '__main__'`.
 */
export function isMain(meta: { url: string } | { filename: string }): boolean {
  const mainPath = globalState().mainPath;
  if (mainPath === null) return false;
  const file = 'url' in meta ? fileURLToPath(meta.url) : meta.filename;
  const main = samePath(file, mainPath);
  if (main && 'url' in meta && /\.m?js$/.test(file)) watchMainEvaluation(meta.url); // see src/main-evaluation.ts
  return main;
}

function samePath(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}
