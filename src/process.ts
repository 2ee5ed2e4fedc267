// Process: the Python multiprocessing.Process, start-method-agnostic. A start method
// (src/launcher/) builds what its child needs and does the OS work; this class owns the
// lifecycle rules and names; its record is in process-internals.ts.
import { checkAbortSignal, joinLauncher, type AbortableOptions } from './abortable.ts';
import { BootstrapError, ProcessStateError } from './errors.ts';
import type { Readable } from 'node:stream';
import type { Launcher } from './launcher/launcher.ts';
import { normalizeChildOptions, type ChildOptionsInput } from './process-options.ts';
import { normalizeTimeout, typeError } from './options.ts';
import { registerChild, unregisterChild } from './children.ts';
import { exitPromise, knownExit } from './process-exit.ts';
import { resolveStartMethod, usableStartMethod } from './launcher/registry.ts';
import { internals, recordProcess, type ProcessInternals } from './process-internals.ts';
import type { StartMethod } from './start-methods.ts';
import { currentAuthkey, setCurrentAuthkey } from './authkey.ts';
import { mainGuardAdvice } from './module-format.ts';
import { globalState } from './state.ts';
import { logAt, LogLevel } from './log.ts';
import { brand, kBuiltinClass, kStartMethod } from './symbols.ts';

type AnyFunction = (...args: never[]) => unknown;

/** Options of a Process whose target takes `A`; `args` is required when `A` has required items. */
export type ProcessOptions<A extends unknown[] = unknown[]> = {
  /** The function run in the child (by `run()`); under spawn/forkserver it must be exported. */
  target?: (...args: A) => unknown;
  /** Name shown by currentProcess().name and `ps`; default `Process-N` (`Process-N:M` nested). */
  name?: string;
  /** Ended when the parent exits; may not start children of its own. */
  daemon?: boolean;
} & ChildOptionsInput &
  ([] extends A ? { args?: NoInfer<A> } : { args: NoInfer<A> });

/**
 * Throw what start() throws when this process may not start children now: a child importing
 * its target's module (the main-module guard: no fork bombs), or a daemon process.
 */
export function assertMayStartChildren(what: string): void {
  const state = globalState();
  if (state.importing !== null) {
    const { guard, importLine } = mainGuardAdvice(state.importing);
    throw new BootstrapError(
      `${what} was called while this child was importing its target's module (${state.importing}), that is, ` +
        `from that module's top level. Put the code that starts processes under \`${guard}\` ` +
        `(${importLine}), as Python's \`if __name__ == '__main__':\`; otherwise every child would start children of its own.`,
    );
  }
  if (state.daemon) {
    throw new ProcessStateError(`${state.name} is a daemon process, and daemon processes are not allowed to have children.`);
  }
}

/**
 * A process object, as Python's multiprocessing.Process: construct, start(), join(). The target
 * (or a subclass's run()) runs in a new process started by the context's start method.
 * @throws {TypeError} from the constructor for bad options (house format: names the option).
 * @throws {SerializationError} from start() when an argument cannot travel to the child (names its path).
 * @throws {StartMethodError} from start() when the start method cannot work here (says which one can).
 * @throws {BootstrapError} from start() reached from a module's top level while a child imports it.
 * @throws {ProcessStateError} on misuse: start() twice, join() before start(), close() while running.
 * @example
 * import { isMain, Process } from 'multiproc';
 * export function f(name: string) { console.log('hello', name); }
 * if (isMain(import.meta)) {
 *   const p = new Process({ target: f, args: ['Bob'] });
 *   p.start();
 *   await p.join(); // p.exitCode === 0
 * }
 * @example
 * export class PrintProcess extends Process {
 *   constructor(readonly who: string) { super(); }
 *   override run() { console.log('hello', this.who); } // fields travel to the child
 * }
 */
export class Process<A extends unknown[] = any[]> {
  static readonly [kBuiltinClass] = true;

  constructor(...[options]: [] extends A ? [options?: ProcessOptions<A>] : [options: ProcessOptions<A>]) {
    const opts = (options ?? {}) as { target?: unknown; args?: unknown; name?: unknown; daemon?: unknown };
    if (typeof opts !== 'object') typeError('options', 'an object', opts);
    if (opts.target !== undefined && typeof opts.target !== 'function') typeError('target', 'a function', opts.target);
    if (opts.args !== undefined && !Array.isArray(opts.args)) typeError('args', 'an array', opts.args);
    if (opts.name !== undefined && typeof opts.name !== 'string') typeError('name', 'a string', opts.name);
    if (opts.daemon !== undefined && typeof opts.daemon !== 'boolean') typeError('daemon', 'a boolean', opts.daemon);
    const child = normalizeChildOptions(opts as ChildOptionsInput);
    const state = globalState();
    state.counter += 1;
    const identity = [...state.identity, state.counter];
    const className = new.target.name !== '' && !Object.hasOwn(new.target, kBuiltinClass) ? new.target.name : 'Process';
    recordProcess(this, {
      name: opts.name ?? `${className}-${identity.join(':')}`,
      identity,
      daemon: opts.daemon ?? state.daemon,
      target: opts.target as AnyFunction | undefined,
      args: [...((opts.args as unknown[] | undefined) ?? [])],
      launcher: null,
      startMethod: null,
      parentPid: process.pid,
      closed: false,
      isCurrent: false,
      authkey: Buffer.from(currentAuthkey()),
      child,
    });
  }

  /** The child's work: calls `target(...args)`. Override it in a subclass; it may be async. */
  run(): unknown {
    const self = internals(this);
    return self.target?.(...(self.args as never[]));
  }

  /** Start the child. Nothing exists in the OS before this call. */
  start(): void {
    const self = internals(this);
    checkNotClosed(self);
    if (self.isCurrent || self.launcher !== null) {
      throw new ProcessStateError(`${self.name} was already started: a Process starts once; create a new Process to run again.`);
    }
    assertMayStartChildren('start()');
    const method = classStartMethod(this);
    const impl = usableStartMethod(method);
    self.parentPid = process.pid;
    self.launcher = impl.launch(this);
    self.startMethod = method;
    registerChild(this, self.launcher, self.daemon);
    logAt(LogLevel.DEBUG, 'started %s (%s), pid %d', self.name, method, self.launcher.pid);
  }

  /**
   * Wait for the child to end; with `timeoutMs` (a number, as Python's join(timeout), or in the
   * options), stop waiting after that long (check exitCode). Rejects with the signal's reason
   * when `signal` aborts (the child goes on).
   */
  async join(timeoutOrOptions?: number | AbortableOptions): Promise<void> {
    const options = typeof timeoutOrOptions === 'object' && timeoutOrOptions !== null ? timeoutOrOptions : { timeoutMs: timeoutOrOptions };
    const timeout = normalizeTimeout('timeoutMs', options.timeoutMs);
    const signal = checkAbortSignal(options.signal);
    const launcher = childLauncherOf(this, 'join');
    const code = await joinLauncher(launcher, timeout, signal);
    if (code !== null) unregisterChild(this);
  }

  /**
   * For `await using`: a child still running is terminated (SIGTERM) and joined, then close()
   * releases what was held for it. A Process never started is just closed.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    const self = internals(this);
    if (self.closed || self.isCurrent) return;
    if (self.launcher !== null && self.parentPid === process.pid) {
      if (self.launcher.poll() === null) this.terminate();
      await this.join();
    }
    this.close();
  }

  /**
   * Resolves with the child's exit code once it ended (never rejects: 0, 1, N, or -signal; see
   * exitCode): the same promise on every read, to await, race or `.then(listener)` as Node's
   * ChildProcess 'exit' event. As join(), waiting on it keeps this process alive until then.
   * @throws {ProcessStateError} before start(), from a process that did not start it, or once closed.
   * @example
   * const p = new Process({ target: work });
   * p.start();
   * p.onExit.then((code) => console.log(`${p.name} ended with ${code}`));
   */
  get onExit(): Promise<number> {
    return knownExit(this) ?? exitPromise(this, childLauncherOf(this, 'wait for the exit of'));
  }

  /** True from start() until the child ends. */
  isAlive(): boolean {
    const self = internals(this);
    checkNotClosed(self);
    if (self.isCurrent) return true;
    if (self.launcher === null) return false;
    if (self.parentPid !== process.pid)
      throw new ProcessStateError(`can only test a child process: ${self.name} was started by pid ${self.parentPid}.`);
    return self.launcher.poll() === null;
  }

  /** Ask the child to end (SIGTERM); its exitCode becomes -15 unless it handles the signal. */
  terminate(): void {
    childLauncherOf(this, 'terminate').terminate();
  }

  /**
   * Interrupt the child (SIGINT, Python 3.14's interrupt()): as Ctrl+C, it ends the child with
   * exitCode -2 unless the child listens for 'SIGINT' (process.on('SIGINT', …)), Node's
   * counterpart of catching KeyboardInterrupt.
   */
  interrupt(): void {
    childLauncherOf(this, 'interrupt').interrupt();
  }

  /** End the child at once (SIGKILL); exitCode -9. */
  kill(): void {
    childLauncherOf(this, 'kill').kill();
  }

  /** Release the resources held for an ended child; most methods throw afterwards. */
  close(): void {
    const self = internals(this);
    if (self.closed) return;
    if (self.launcher !== null) {
      if (self.launcher.poll() === null) {
        throw new ProcessStateError(`Cannot close ${self.name} while it is still running; join() or terminate() it first.`);
      }
      self.launcher.close();
    }
    unregisterChild(this);
    self.closed = true;
  }

  /** The child's stdout, a Readable, when created with `stdio: 'pipe'` and started; else null. */
  get stdout(): Readable | null {
    return internals(this).launcher?.stdout ?? null;
  }

  /** The child's stderr, a Readable, when created with `stdio: 'pipe'` and started; else null. */
  get stderr(): Readable | null {
    return internals(this).launcher?.stderr ?? null;
  }

  /** The child's pid; undefined before start(). */
  get pid(): number | undefined {
    const self = internals(this);
    if (self.isCurrent) return process.pid;
    return self.launcher?.pid;
  }

  /** null while running (or before start); 0 normal end; 1 uncaught error; N for exit(N); -N for signal N. */
  get exitCode(): number | null {
    const self = internals(this);
    checkNotClosed(self);
    return self.launcher?.poll() ?? null;
  }

  /** The process's name. */
  get name(): string {
    const self = internals(this);
    return self.isCurrent ? globalState().name : self.name;
  }

  set name(value: string) {
    if (typeof value !== 'string') typeError('name', 'a string', value);
    const self = internals(this);
    self.name = value;
    if (self.isCurrent) globalState().name = value;
  }

  /**
   * The authentication key (Python's authkey): 32 random bytes in the main process; a child gets a
   * copy of its Process object's, which is its creator's unless set before start(). A TCP Listener
   * or Client without an authkey of its own uses currentProcess().authkey. Returns a copy.
   */
  get authkey(): Buffer {
    const self = internals(this);
    return Buffer.from(self.isCurrent ? currentAuthkey() : self.authkey);
  }

  set authkey(value: Uint8Array | string) {
    const self = internals(this);
    let key: Buffer;
    if (typeof value === 'string') key = Buffer.from(value, 'utf8');
    else if (value instanceof Uint8Array) key = Buffer.from(value);
    else typeError('authkey', 'a Buffer, Uint8Array or string', value);
    if (self.isCurrent) setCurrentAuthkey(key);
    else if (self.launcher !== null) throw new ProcessStateError(`Cannot set authkey on ${self.name}: it was already started.`);
    self.authkey = key;
  }

  /** Whether the process is a daemon; settable only before start(). */
  get daemon(): boolean {
    return internals(this).daemon;
  }

  set daemon(value: boolean) {
    if (typeof value !== 'boolean') typeError('daemon', 'a boolean', value);
    const self = internals(this);
    if (self.launcher !== null || self.isCurrent) throw new ProcessStateError(`Cannot set daemon on ${self.name}: it was already started.`);
    self.daemon = value;
  }

  /** The start method used (after start) or that will be used. */
  get startMethod(): StartMethod {
    const self = internals(this);
    return self.startMethod ?? classStartMethod(this);
  }

  toString(): string {
    const self = internals(this);
    const status = self.isCurrent
      ? 'current'
      : self.launcher === null
        ? 'initial'
        : self.launcher.poll() === null
          ? 'started'
          : `stopped exitCode=${self.launcher.poll()}`;
    return `<${this.constructor.name} name='${this.name}' ${status}${this.pid === undefined ? '' : ` pid=${this.pid}`}${self.daemon ? ' daemon' : ''}>`;
  }
}
brand(Process, 'Process');

// Module functions, not #private methods: a child rebuilds a subclass instance with
// Object.create (Python's unpickling: no constructor call), which has no private brand.
function childLauncherOf(process: Process<never[]>, operation: string): Launcher {
  const self = internals(process);
  checkNotClosed(self);
  if (self.isCurrent || self.launcher === null) {
    throw new ProcessStateError(
      `Cannot ${operation} ${self.name}: it was not started${self.isCurrent ? ' (it is the calling process)' : ''}; call start() first.`,
    );
  }
  if (self.parentPid !== globalThis.process.pid) {
    throw new ProcessStateError(`Cannot ${operation} ${self.name}: only the process that started it (pid ${self.parentPid}) can.`);
  }
  return self.launcher;
}

// The method of the process's class (a context's Process), else the default one.
function classStartMethod(process: object): StartMethod {
  return resolveStartMethod((process.constructor as { [kStartMethod]?: StartMethod })[kStartMethod]);
}

function checkNotClosed(self: ProcessInternals): void {
  if (self.closed) throw new ProcessStateError(`${self.name} is closed: its Process object can no longer be used.`);
}
