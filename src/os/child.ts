// What a forked child does before fork() returns 0 in it: fresh ids, the parent's children,
// timers, handles, stdin and queued output let go, every exit routed to _exit(2), after-fork hooks run.
import { runUserAfterForkHooks } from '../after-fork.ts';
import type { NativeBinding } from '../native/types.ts';
import { globalState } from '../state.ts';
import { routeChildExit } from './exit.ts';
import { closeInheritedHandles } from './handles.ts';
import { dropInheritedInput } from './std-input.ts';
import { dropInheritedOutput } from './std-streams.ts';
import { clearInheritedTimers } from './timers.ts';
import { forgetChildrenAfterFork } from './wait.ts';

const hooks = new Set<() => void>();

/** Run `hook` in every child forked from now on, after the inherited state was dropped (like Python's register_after_fork). */
export function registerAfterFork(hook: () => void): () => void {
  hooks.add(hook);
  return () => hooks.delete(hook);
}

const parentHooks = new Set<() => void>();

/** Run `hook` in this process after each fork() it makes, in the parent (the child now holds copies of what it had). */
export function registerParentAfterFork(hook: () => void): () => void {
  parentHooks.add(hook);
  return () => parentHooks.delete(hook);
}

/** In the parent, right after a fork(): the parent-side hooks. */
export function runParentAfterFork(): void {
  for (const hook of parentHooks) hook();
}

// Requests that use the libuv thread pool: in flight at fork time, they were being worked on by
// threads the child does not have, so they never complete there. Handle-bound requests
// (writes, connects, shutdowns) are cancelled when their handles are closed.
const THREAD_POOL_REQUESTS = new Set(['FSReqCallback', 'FSReqPromise', 'FileHandleCloseReq', 'GetAddrInfoReqWrap', 'GetNameInfoReqWrap']);

let loopEnd: { close(): void } | undefined;

/**
 * The end of the child's loop, handled before uv_run() returns: Node would otherwise call
 * NodePlatform::DrainTasks, which can wait forever for V8 worker tasks no thread of the child
 * will run (docs/DECISIONS.md, "A forked child never lets `uv_run()` return"). When nothing
 * is left but the inherited thread-pool requests that can never complete, 'beforeExit' is
 * emitted as usual and, if its listeners scheduled nothing, the child exits with
 * process.exitCode (0 by default) through the usual 'exit' path.
 */
function endWithTheLoop(native: NativeBinding): void {
  loopEnd?.close(); // a watcher inherited from a parent that was itself a forked child
  const activeRequests = (): object[] => (process as unknown as { _getActiveRequests(): object[] })._getActiveRequests();
  // Inherited requests whose work was already done at fork time do complete here (a FileHandle
  // close the fork server's module loading left behind, seen in every fork-server child): each
  // time the loop looks idle, count only those still pending, or a later request of the child's
  // own (an import()'s file read) would be taken for a stuck one and the child would end early.
  const inherited = new Set(activeRequests().filter((request) => THREAD_POOL_REQUESTS.has(request.constructor.name)));
  const watcher = native.watchLoopIdle(inherited.size, (again) => {
    if (again) return process.exit();
    const stillActive = new Set(activeRequests());
    const before = inherited.size;
    for (const request of inherited) if (!stillActive.has(request)) inherited.delete(request);
    if (inherited.size < before) return watcher.setStuck(inherited.size); // not idle after all
    process.emit('beforeExit', Number(process.exitCode ?? 0));
  });
  loopEnd = watcher;
}

/** The child's side of fork(). */
export function runChildAfterFork(native: NativeBinding): void {
  const pid = native.getpid();
  Object.defineProperty(process, 'pid', { value: pid, writable: false, enumerable: true, configurable: true });
  Object.defineProperty(process, 'ppid', { value: native.getppid(), writable: true, enumerable: true, configurable: true });
  forgetChildrenAfterFork(native);
  // The parent's Process children are not this process's (its exit hook would wait for them).
  globalState().children = new Map();
  clearInheritedTimers();
  dropInheritedInput(); // before the other handles: it looks for stdin among them
  closeInheritedHandles();
  dropInheritedOutput();
  routeChildExit(native);
  for (const hook of hooks) hook();
  runUserAfterForkHooks();
  endWithTheLoop(native);
}
