// Contexts: the only factory. getContext(method) returns an object carrying the whole API with
// that start method; the top-level exports are the default context's, as in Python.
import { ProcessStateError } from './errors.ts';
import { resolveStartMethod, startMethodImpl } from './launcher/registry.ts';
import { setExecutable } from './executable.ts';
import { getLogger, logToStderr } from './log.ts';
import { activeChildren, availableParallelism, cpuCount, currentProcess, parentProcess } from './current.ts';
import { Process as BaseProcess } from './process.ts';
import { checkMethod, processClassFor } from './process-classes.ts';
import { availableStartMethods, type StartMethod } from './start-methods.ts';
import { globalState } from './state.ts';
import { Pool as BasePool, poolClassFor } from './pool/index.ts';
import { Client, Listener, Pipe, wait, waitReady } from './connection/index.ts';
import { RawArray, SharedArray, SharedMemory, Value } from './shared-memory/index.ts';
import { Barrier, BoundedSemaphore, Condition, Event, Lock, RLock, Semaphore } from './sync/index.ts';
import { JoinableQueue, Queue, SimpleQueue } from './queues/index.ts';
import { managerClassFor } from './managers/context-manager.ts';
import type { Manager as BaseManagerClass } from './managers/manager.ts';

// Only this module makes contexts: getContext() checks the method first.
const kMakeContext = Symbol('multiproc.makeContext');

/** A start method's view of the whole API; obtained from getContext(), not constructed. */
export class Context {
  /** Process class whose children use this context's start method. */
  readonly Process: typeof BaseProcess;
  readonly #method: StartMethod | null;

  /** Internal: use getContext(method), which checks that the method can work here. */
  constructor(method: StartMethod | null, key?: symbol) {
    if (key !== kMakeContext)
      throw new TypeError(
        'Contexts come from getContext(method), which checks that the start method can work here; do not construct Context directly.',
      );
    this.#method = method;
    this.Process = method === null ? BaseProcess : processClassFor(method);
  }

  /** This context's start method (the default context: the current default). */
  getStartMethod(): StartMethod {
    return this.#method ?? resolveStartMethod(undefined);
  }

  readonly getContext = getContext;
  readonly getAllStartMethods = getAllStartMethods;
  readonly setStartMethod = setStartMethod;
  readonly setExecutable = setExecutable;
  readonly getLogger = getLogger;
  readonly logToStderr = logToStderr;
  readonly currentProcess = currentProcess;
  readonly parentProcess = parentProcess;
  readonly activeChildren = activeChildren;
  readonly cpuCount = cpuCount;
  readonly availableParallelism = availableParallelism;

  /** Pool class whose workers use this context's start method (a getter: one class per context, made when first read). */
  get Pool(): typeof BasePool {
    return poolClassFor(this, this.#method === null);
  }
  /**
   * Manager class whose managers start their process with this context's start method (Python's
   * ctx.Manager(); here `await ctx.Manager.start()` or `new ctx.Manager()`). A getter, as Pool.
   */
  get Manager(): typeof BaseManagerClass {
    return managerClassFor(this, this.#method === null);
  }
  readonly Lock = Lock;
  readonly RLock = RLock;
  readonly Semaphore = Semaphore;
  readonly BoundedSemaphore = BoundedSemaphore;
  readonly Event = Event;
  readonly Condition = Condition;
  readonly Pipe = Pipe;
  readonly wait = wait;
  readonly waitReady = waitReady;
  readonly Listener = Listener;
  readonly Client = Client;
  readonly SharedMemory = SharedMemory;
  readonly RawArray = RawArray;
  readonly Value = Value;
  readonly SharedArray = SharedArray;
  readonly Barrier = Barrier;
  readonly Queue = Queue;
  readonly SimpleQueue = SimpleQueue;
  readonly JoinableQueue = JoinableQueue;
}

const defaultContext = new Context(null, kMakeContext);
const contexts = new Map<StartMethod, Context>();

/** The context for `method` (default: the default context). Throws if the method cannot work here. */
export function getContext(method?: StartMethod): Context {
  if (method === undefined) return defaultContext;
  const checked = checkMethod(method);
  let context = contexts.get(checked);
  if (context === undefined) {
    context = new Context(checked, kMakeContext);
    contexts.set(checked, context);
  }
  return context;
}

/** Choose the default start method, once (as Python: a second call needs `{ force: true }`). */
export function setStartMethod(method: StartMethod | null, options: { force?: boolean } = {}): void {
  const state = globalState();
  if (state.defaultMethod !== null && options.force !== true) {
    throw new ProcessStateError(`The start method was already set to '${state.defaultMethod}'; pass { force: true } to change it.`);
  }
  state.defaultMethod = method === null ? null : checkMethod(method);
}

/** The default start method. */
export function getStartMethod(): StartMethod {
  return resolveStartMethod(undefined);
}

/** The start methods that work here, the default first. */
export function getAllStartMethods(): StartMethod[] {
  const usable = availableStartMethods().filter((method) => {
    try {
      return startMethodImpl(method).unavailableReason() === null;
    } catch {
      return false;
    }
  });
  const first = getStartMethod();
  return [first, ...usable.filter((method) => method !== first)];
}
