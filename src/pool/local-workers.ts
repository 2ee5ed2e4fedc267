// The local Pool's worker layer: worker processes of one start method on this machine
// (workers.ts starts and retires them, dispatch.ts gives them tasks). A call's function reaches
// them by reference, or by its id in the registry when a worker is a copy of this process (fork).
import { ProcessError } from '../errors.ts';
import type { StartMethodImpl } from '../launcher/launcher.ts';
import { startMethodImpl } from '../launcher/registry.ts';
import { assertMayStartChildren } from '../process.ts';
import { reduceForChild } from '../reduction.ts';
import type { Call } from './call.ts';
import { Dispatcher } from './dispatch.ts';
import type { CallSpec } from './worker-handle.ts';
import { referenceFor, registeredId, registerFunction, tryReference } from './functions.ts';
import type { FnSpec } from './messages.ts';
import type { NormalizedPoolOptions } from './options.ts';
import type { PoolTrace } from './trace.ts';
import type { CallHooks, WorkerLayer } from './worker-layer.ts';
import { WorkerSet } from './workers.ts';

type AnyFunction = (...args: never[]) => unknown;

/** Worker processes on this machine. */
export class LocalWorkers implements WorkerLayer<CallSpec> {
  readonly processes: number;
  readonly workers: WorkerSet;
  readonly #dispatcher: Dispatcher;
  /** The workers' start method, asked for what it can do (copiesMemory, preload), never for its name. */
  readonly #launcher: StartMethodImpl;
  readonly #initializer: FnSpec | null;
  readonly #hooks: CallHooks;
  /** True until the workers are started: at the first call, or at the end of the constructor's task. */
  #unstarted = true;

  constructor(options: NormalizedPoolOptions, trace: PoolTrace | null, hooks: CallHooks) {
    const { processes, maxTasksPerChild, initargs, context } = options;
    this.processes = processes;
    this.#hooks = hooks;
    this.#launcher = startMethodImpl(context.getStartMethod());
    const copies = this.#launcher.copiesMemory;
    const init = options.initializer;
    let initializer: FnSpec | null = null;
    if (init !== undefined) initializer = copies ? { kind: 'id', id: registerFunction(init) } : referenceFor(init, 'initializer');
    this.#initializer = initializer;
    // What starting a worker would refuse, refused now (the workers start a little later).
    assertMayStartChildren('new Pool()');
    if (!copies) reduceForChild({ initargs }, 'a pool worker (spawn/forkserver)');
    this.workers = new WorkerSet({
      context,
      processes,
      initializer,
      initargs,
      maxTasksPerChild,
      trace,
      wanted: () => {
        const state = hooks.state();
        return state !== 'terminated' && this.#dispatcher.broken === null && (state !== 'closed' || this.#dispatcher.pending > 0);
      },
      afterReap: () => this.#dispatcher.pump(),
      created: (worker) => hooks.workerCreated(worker),
      exited: (worker) => hooks.workerExited(worker),
    });
    this.#dispatcher = new Dispatcher(this.workers, { processes, maxTasksPerChild, trace }, hooks);
    // The workers start with the first call made in this task, so that they start knowing its
    // function (a fork server imports its module once, before forking them; a fork worker
    // knows it by id), or else at the end of this task (see docs/DECISIONS.md, Pool).
    queueMicrotask(() => this.begin(null));
  }

  get broken(): Error | null {
    return this.#dispatcher.broken;
  }

  get pending(): number {
    return this.#dispatcher.pending;
  }

  get busy(): boolean {
    return this.workers.list.some((w) => w.inflight.size > 0);
  }

  // Workers that copy this process (fork): the function's registry id (and reference, if
  // exported); else its reference.
  route(fn: AnyFunction): CallSpec {
    if (!this.#launcher.copiesMemory) {
      const spec = referenceFor(fn, 'fn');
      return { id: undefined, ref: spec.kind === 'ref' ? spec.ref : null };
    }
    // An exported function also reaches workers forked before it was first used, by reference.
    return { id: registeredId(fn) ?? registerFunction(fn), ref: tryReference(fn) };
  }

  begin(route: CallSpec | null): void {
    if (!this.#unstarted) return;
    this.#unstarted = false;
    if (this.#hooks.state() !== 'running') return;
    if (this.#launcher.preload !== undefined) {
      const urls = new Set<string>();
      if (this.#initializer?.kind === 'ref') urls.add(this.#initializer.ref.url);
      if (route?.ref) urls.add(route.ref.url);
      try {
        this.#launcher.preload([...urls]);
      } catch {
        // the starts below report an unreachable server
      }
    }
    try {
      for (let i = 0; i < this.processes; i++) this.workers.start();
    } catch (error) {
      this.#dispatcher.breakAll(error instanceof Error ? error : new ProcessError(String(error)));
    }
  }

  get runTimeMs(): number {
    return this.#dispatcher.runTimeMs;
  }

  cancelRunning(call: Call): void {
    this.#dispatcher.cancelRunning(call);
  }

  enqueue(call: Call, route: CallSpec, index: number, start: number, items: unknown[]): void {
    this.#dispatcher.enqueue(call, route, index, start, items);
  }

  release(): void {
    for (const worker of [...this.workers.list]) {
      void new Promise<void>((resolve) => resolve(worker.conn.send({ t: 'stop' }))).catch(() => undefined);
      void this.workers.retire(worker, 5000, 'stopped');
    }
  }

  // SIGTERM, then SIGKILL after 1 s.
  terminate(): void {
    this.#dispatcher.clear();
    for (const worker of [...this.workers.list]) {
      try {
        if (worker.process.exitCode === null) worker.process.terminate();
      } catch {
        // already reaped
      }
      void this.workers.retire(worker, 1000, 'terminated');
    }
  }

  ended(): Promise<void> {
    return this.workers.reaped();
  }
}
