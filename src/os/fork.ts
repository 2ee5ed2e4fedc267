// fork() and its policy: only a process started with `node --single-threaded` may fork. fork()
// copies only the calling thread: V8's compiler and GC threads, which a normal Node process
// runs, would be missing in the child, any lock they held at that moment held for good (see
// docs/DECISIONS.md, "multiproc/os, `multiproc run` and the forked child").
import { isMainThread } from 'node:worker_threads';
import { StartMethodError } from '../errors.ts';
import { requireNative } from '../native/binding.ts';
import { hasLoaderThreadOptions } from '../loading/typescript.ts';
import { runChildAfterFork, runParentAfterFork } from './child.ts';
import { installUnrefTracking } from './handles.ts';
import { installStdinTracking } from './std-input.ts';
import { installOutputTracking } from './std-streams.ts';
import { installTimerTracking } from './timers.ts';
import { trackChild } from './wait.ts';

/** Whether this process may fork: Linux, main thread, started with `--single-threaded`. */
export function canFork(): boolean {
  return process.platform === 'linux' && isMainThread && process.execArgv.includes('--single-threaded');
}

// Track timers, unref'd handles and the stdio streams from the moment this module loads, in processes that may fork.
if (canFork()) {
  installTimerTracking();
  installUnrefTracking();
  installStdinTracking();
  installOutputTracking();
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
  installOutputTracking();
  const pid = native.fork();
  if (pid === 0) runChildAfterFork(native);
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
  if (pid !== 0) trackChild(pid);
  return pid;
}
