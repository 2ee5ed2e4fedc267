// Per-process state shared by every copy of the library loaded in this process (the ESM build,
// the CommonJS build, the sources under a loader): it lives on globalThis under a registered
// symbol, so a target module that imports `multiproc` sees the same current process, counters
// and children as the child's bootstrap did.
import type { StartMethod } from './start-methods.ts';

/** What a child knows about the process that started it. */
export interface ParentInfo {
  pid: number;
  name: string;
}

/** A started child as the exit hook sees it. */
export interface ChildEntry {
  daemon: boolean;
  launcher: { poll(): number | null; terminate(): void; awaitExitSync(): void };
}

/** The process-global state. */
export interface GlobalState {
  /** Name of this process: `MainProcess`, or the child's `Process-N[:M…]`. */
  name: string;
  /** Identity path: [] in the main process, [1] for Process-1, [1, 2] for Process-1:2. */
  identity: number[];
  /** Counter of children created by this process (the next child is counter + 1). */
  counter: number;
  daemon: boolean;
  parent: ParentInfo | null;
  /** The start method that started this process (null in the main process). */
  startedBy: StartMethod | null;
  /** The default start method chosen by setStartMethod (null = platform default). */
  defaultMethod: StartMethod | null;
  /** While a child imports its target's module: that module, so start() can refuse. */
  importing: string | null;
  /** The main module's path, captured before a child rewrites process.argv (null in children). */
  mainPath: string | null;
  /** The object currentProcess() returns (set lazily in the main process). */
  current: object | null;
  /** Started children not yet joined, with what the exit hook needs of them. */
  children: Map<object, ChildEntry>;
  /** Whether the exit hook (terminate daemons, wait for the others) is installed. */
  exitHookInstalled: boolean;
  /** Internal state of Process objects, shared across library copies. */
  processes: WeakMap<object, unknown>;
  /** This process's authkey (null until first needed in the main process; a child's is its parent's). */
  authkey: Buffer | null;
}

const key = Symbol.for('multiproc.state.v1');

/** This process's state, created on first use. */
export function globalState(): GlobalState {
  const holder = globalThis as unknown as Record<symbol, GlobalState | undefined>;
  let state = holder[key];
  if (state === undefined) {
    state = {
      name: 'MainProcess',
      identity: [],
      counter: 0,
      daemon: false,
      parent: null,
      startedBy: null,
      defaultMethod: null,
      importing: null,
      mainPath: process.argv[1] ?? null,
      current: null,
      children: new Map(),
      exitHookInstalled: false,
      processes: new WeakMap(),
      authkey: null,
    };
    Object.defineProperty(holder, key, { value: state, enumerable: false, configurable: false, writable: false });
  }
  return state;
}
