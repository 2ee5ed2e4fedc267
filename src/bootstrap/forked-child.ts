// The first steps of a process that is a fork of a Node.js process (a fork-server child): a fresh
// process.pid, the parent-death signal, and an exit path that never takes Node's normal shutdown
// (it would join V8 threads that do not exist in the child; see shared/design/fork-in-node.md).
import { loadNative, type NativeBinding } from '../native/binding.ts';

/** Options of enterForkedChild. */
export interface ForkedChildOptions {
  /** Signal sent to this child when its parent dies (PR_SET_PDEATHSIG). */
  parentDeathSignal?: number;
  /** The parent's pid: if it already died before the signal was armed, end at once. */
  expectedParent?: number;
}

let unwinding = false;

/** While true, the `null` a cancelled termination leaves behind is not an uncaught error. */
export function setUnwinding(on: boolean): void {
  unwinding = on;
}

/** Make the forked copy consistent; returns the function that ends it with a code. */
export function enterForkedChild(options: ForkedChildOptions = {}): (code: number) => never {
  const native = loadNative() as NativeBinding;
  if (options.parentDeathSignal !== undefined) {
    native.setPdeathsig(options.parentDeathSignal);
    if (options.expectedParent !== undefined && native.getppid() !== options.expectedParent) native.exit(1);
  }
  Object.defineProperty(process, 'pid', { value: native.getpid(), writable: false, enumerable: true, configurable: true });
  Object.defineProperty(process, 'ppid', { value: native.getppid(), writable: true, enumerable: true, configurable: true });
  // process.exit() runs the 'exit' handlers, then reallyExit: make that _exit(2).
  (process as unknown as { reallyExit: (code?: number) => never }).reallyExit = (code?: number) => native.exit(Number(code ?? 0) || 0);
  // Node's handling of an uncaught error would also take the normal shutdown path. The parent's
  // own handlers are the parent's code: they do not run in the child.
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', (error) => {
    // Cancelling the termination that unwound the parent's stack (fork.ts) surfaces as `null`.
    if (error === null && unwinding) return;
    process.stderr.write(`${error instanceof Error && error.stack !== undefined ? error.stack : String(error)}\n`);
    process.exit(1);
  });
  // A loop that runs dry ends through process.exit as well.
  process.on('beforeExit', (code) => process.exit(code));
  return (code: number) => process.exit(code);
}
