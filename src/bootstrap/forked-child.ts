// The first steps of a Process child that is a fork of a Node.js process (the `fork` start
// method, or a fork-server child): the POSIX layer's child reset (fresh pid, the parent's timers,
// handles and children dropped, every exit routed to _exit(2); see src/os/child.ts), plus what a
// Process child needs on top: the parent-death signal, and uncaught errors that are the child's.
import { loadNative, type NativeBinding } from '../native/binding.ts';
import { runChildAfterFork } from '../os/child.ts';
import { printUncaught } from '../os/exit.ts';

/** Options of enterForkedChild. */
export interface ForkedChildOptions {
  /** Signal sent to this child when its parent dies (PR_SET_PDEATHSIG). */
  parentDeathSignal?: number;
  /** The parent's pid: if it already died before the signal was armed, end at once. */
  expectedParent?: number;
}

let unwinding = false;

/** While true, the `null` a cancelled termination leaves behind is not an uncaught error (see fork.ts). */
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
  runChildAfterFork(native);
  // The parent's handlers are the parent's code: they do not run in the child. 'beforeExit'
  // too: this child's loop ends on its own (a test runner's handler there reports the parent's
  // pending tests as cancelled, on the parent's stdout, and sets exit code 1).
  process.removeAllListeners('uncaughtException');
  process.removeAllListeners('beforeExit');
  process.on('uncaughtException', (error) => {
    if (error === null && unwinding) return;
    printUncaught(error);
    process.exit(1);
  });
  return (code: number) => process.exit(code);
}
