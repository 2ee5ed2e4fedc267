// The internal record of a Process object, kept apart from the object (a child rebuilds a
// subclass instance with Object.create, which runs no constructor and so has no private fields).
// A leaf module: Process, the start methods and the child's bootstrap read it; it imports none
// of them, so process ↔ launchers ↔ preparation is not a cycle, not even in types.
import { currentAuthkey } from './authkey.ts';
import type { Launcher } from './launcher/launcher.ts';
import type { ChildOptions } from './process-options.ts';
import type { StartMethod } from './start-methods.ts';
import { globalState } from './state.ts';

type AnyFunction = (...args: never[]) => unknown;

/** A Process object's record, shared across copies of the library through the process-global state. */
export interface ProcessInternals {
  name: string;
  identity: number[];
  daemon: boolean;
  target: AnyFunction | undefined;
  args: unknown[];
  launcher: Launcher | null;
  startMethod: StartMethod | null;
  /** pid of the process that started it (join and isAlive only work there). */
  parentPid: number;
  closed: boolean;
  /** This object describes the calling process itself (currentProcess() in a child or main). */
  isCurrent: boolean;
  /** The child's authkey (a copy of the creating process's, unless set); the current process's lives in the global state. */
  authkey: Buffer;
  /** env, cwd, execArgv, stdio (src/process-options.ts). */
  child: ChildOptions;
}

/** The record of `process`; a TypeError when it is not a multiproc Process. */
export function internals(process: object): ProcessInternals {
  const found = globalState().processes.get(process) as ProcessInternals | undefined;
  if (found === undefined) throw new TypeError('Not a multiproc Process (was its constructor called?).');
  return found;
}

/** Give a new Process object its record (the constructor's last step). */
export function recordProcess(process: object, record: ProcessInternals): void {
  globalState().processes.set(process, record);
}

/** Make `instance` the object that describes the calling process (a child's Process, or MainProcess). */
export function adoptCurrent(
  instance: object,
  init: { name: string; identity: number[]; daemon: boolean; target?: AnyFunction | undefined; args?: unknown[] },
): void {
  const state = globalState();
  recordProcess(instance, {
    name: init.name,
    identity: init.identity,
    daemon: init.daemon,
    target: init.target,
    args: init.args ?? [],
    launcher: null,
    startMethod: state.startedBy,
    parentPid: state.parent?.pid ?? 0,
    closed: false,
    isCurrent: true,
    authkey: currentAuthkey(),
    child: { env: null, cwd: null, execArgv: null, stdio: 'inherit' },
  });
  state.current = instance;
}
