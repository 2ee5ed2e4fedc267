// fork() and its policy: only a process started with `node --single-threaded` may fork
// (shared/design/fork-in-node.md). Also forkChild(), the hook of the `fork` start method.
import { isMainThread } from 'node:worker_threads';
import { StartMethodError } from '../errors.ts';
import { requireNative } from '../native/binding.ts';
import { hasLoaderThreadOptions } from '../ts-loading.ts';
import { becomeChild, runParentAfterFork } from './child.ts';
import { exitAfterFlush, printUncaught } from './exit.ts';
import { installUnrefTracking } from './handles.ts';
import { installStdinTracking } from './std-input.ts';
import { installTimerTracking } from './timers.ts';
import { trackChild } from './wait.ts';

/** Whether this process may fork: Linux, main thread, started with `--single-threaded`. */
export function canFork(): boolean {
  return process.platform === 'linux' && isMainThread && process.execArgv.includes('--single-threaded');
}

// Track timers, unref'd handles and the stdin stream from the moment this module loads, in processes that may fork.
if (canFork()) {
  installTimerTracking();
  installUnrefTracking();
  installStdinTracking();
}

/**
 * Why this process may not fork, or null when it may: the one text of that refusal, for fork()
 * and for the `fork` start method. `what` begins it ("fork()"); `limit` is what it says of
 * `--single-threaded` ("is only safe in", "only works in").
 */
export function forkRefusal(what: string, limit = 'is only safe in'): string | null {
  if (process.platform !== 'linux') return `${what} needs Linux (this is ${process.platform}); use the 'spawn' start method.`;
  if (!isMainThread) return `${what} can only be used on the main thread, not in a worker thread.`;
  if (!process.execArgv.includes('--single-threaded')) {
    return (
      `${what} ${limit} a process started with \`node --single-threaded\`: V8's background threads do not survive fork(), ` +
      `so a forked copy of this process could hang or crash. Run the script with \`npx multiproc run FILE\`, ` +
      `or use the 'forkserver' start method, which forks from a quiet single-threaded server.`
    );
  }
  if (hasLoaderThreadOptions()) {
    return (
      `${what} cannot be used here: this process loads modules through hooks on a loader thread (${process.execArgv.join(' ')}), ` +
      `a second V8 isolate that works when it likes: a fork() taken while it holds one of V8's locks leaves a child that hangs. ` +
      `Run the script with \`npx multiproc run FILE\` (TypeScript compiled in the main thread), or use the 'forkserver' ` +
      `start method (its server compiles TypeScript in its main thread).`
    );
  }
  return null;
}

/** Throw the StartMethodError that explains why this process may not fork. */
export function assertCanFork(what = 'fork()'): void {
  const refusal = forkRefusal(what);
  if (refusal !== null) throw new StartMethodError(refusal, { startMethod: 'fork' });
}

function forkRaw(what: string): number {
  assertCanFork(what);
  const native = requireNative(what);
  installTimerTracking(); // no-op unless this module was loaded before a fork became possible
  installUnrefTracking();
  installStdinTracking();
  const pid = native.fork();
  if (pid === 0) becomeChild(native);
  else runParentAfterFork();
  return pid;
}

/**
 * The POSIX fork(): 0 in the child, the child's pid in the parent. The child is a copy of this
 * process; its inherited timers, servers, sockets and child-process handles are dropped before
 * fork() returns there, and it ends through _exit(2) (see exit.ts).
 */
export function fork(): number {
  const pid = forkRaw('fork()');
  if (pid !== 0) trackChild(pid, 'os');
  return pid;
}

/**
 * Internal hook of the `fork` start method: fork, and in the child run `run` and exit with 0
 * when it returns or resolves, 1 (stack printed) when it throws or rejects, N on
 * process.exit(N). Returns the child's pid in the parent. In the child it returns 0 only when
 * `run` is asynchronous (the event loop must turn): the caller must then return without running
 * any more of the parent's logic.
 */
export function forkChild(run: () => unknown): number {
  const pid = forkRaw('the fork start method');
  if (pid !== 0) {
    trackChild(pid, 'process');
    return pid;
  }
  process.exitCode = undefined;
  const fail = (error: unknown): undefined => {
    printUncaught(error);
    return void exitAfterFlush(1);
  };
  let result: unknown;
  try {
    result = run();
  } catch (error) {
    fail(error);
    return 0;
  }
  if (result !== null && typeof (result as PromiseLike<unknown>)?.then === 'function') {
    (result as PromiseLike<unknown>).then(() => void exitAfterFlush(0), fail);
  } else {
    void exitAfterFlush(0);
  }
  return 0;
}
