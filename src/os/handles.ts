// What a forked child inherits from its parent's event loop, and how it lets go of it: servers
// and sockets are closed on the child's side only (destroy(), never end(), which would send FIN
// on the parent's connection), ChildProcess handles are dropped, listeners removed so the
// parent's code does not react in the child. Handles marked with preserveHandle() survive.
import net from 'node:net';

type ChildProcessClass = typeof import('node:child_process').ChildProcess;

// node:child_process (and the node:dgram it loads) are not imported by this module: a spawned
// child, which imports it through its stdin's, would load them for nothing (a few ms of its
// start). A process that may fork loads them when it installs the tracking; a forked child asks
// for them only if its parent had loaded them (no ChildProcess or dgram socket exists otherwise).
function loaded<T>(name: 'child_process' | 'dgram', get: () => T): T | null {
  const list = (process as { moduleLoadList?: string[] }).moduleLoadList;
  return list === undefined || list.includes(`NativeModule ${name}`) ? get() : null;
}
const childProcessClass = (): ChildProcessClass | null =>
  loaded('child_process', () => process.getBuiltinModule('node:child_process').ChildProcess);
const dgramSocket = (): typeof import('node:dgram').Socket | null => loaded('dgram', () => process.getBuiltinModule('node:dgram').Socket);

interface Registry {
  preserved: WeakSet<object>;
  unrefd: Set<object>;
}
type Handle = Record<string | symbol, any>;

const KEY = Symbol.for('multiproc.os.handles');

function registry(): Registry {
  const g = globalThis as Record<symbol, Registry | undefined>;
  return (g[KEY] ??= { preserved: new WeakSet(), unrefd: new Set() });
}

/** Keep `handle` (a socket, server, timer …) open in forked children; multiproc's own channels use it. */
export function preserveHandle<T extends object>(handle: T): T {
  registry().preserved.add(handle);
  return handle;
}

/** Undo preserveHandle(): forks made from now on close `handle` in the child again. */
export function unpreserveHandle(handle: object): void {
  registry().preserved.delete(handle);
}

function isDead(handle: object): boolean {
  if (handle instanceof net.Server) return !handle.listening;
  if (handle instanceof net.Socket) return handle.destroyed;
  const ChildProcess = childProcessClass();
  if (ChildProcess !== null && handle instanceof ChildProcess) return handle.exitCode !== null || handle.signalCode !== null;
  return false;
}

/** Whether `handle` was marked with preserveHandle() (src/os/std-input.ts leaves such a stdin alone). */
export function isPreserved(handle: object): boolean {
  return registry().preserved.has(handle);
}

/**
 * process._getActiveHandles() lists only ref'd handles; remember the ones that get unref'd
 * (net sockets and servers, dgram sockets, child processes), so a child can close them too.
 */
export function installUnrefTracking(): void {
  const reg = registry();
  const marker = Symbol.for('multiproc.os.unrefTracked');
  const { ChildProcess } = process.getBuiltinModule('node:child_process');
  const dgram = process.getBuiltinModule('node:dgram');
  for (const proto of [net.Socket.prototype, net.Server.prototype, dgram.Socket.prototype, ChildProcess.prototype] as Handle[]) {
    if (proto[marker] === true) continue;
    const unref = proto['unref'] as (this: object) => unknown;
    proto['unref'] = function (this: Handle) {
      reg.unrefd.add(this);
      if (reg.unrefd.size > 256) for (const h of reg.unrefd) if (isDead(h)) reg.unrefd.delete(h);
      return unref.call(this);
    };
    Object.defineProperty(proto, marker, { value: true });
  }
}

/** Whether a handle is one of stdin/stdout/stderr (not closed here: std-streams.ts and std-input.ts see to them). */
export function isStdio(handle: Handle): boolean {
  const fd = (handle['_handle'] as { fd?: unknown } | null | undefined)?.fd;
  return handle['_isStdio'] === true || fd === 0 || fd === 1 || fd === 2;
}

const ignore = () => {};

function isInstance<T extends object>(handle: object, cls: (abstract new (...args: never[]) => T) | null): handle is T {
  return cls !== null && handle instanceof cls;
}

/** Let go of one inherited handle on the child's side. */
function drop(handle: object): void {
  if (handle instanceof net.Socket) {
    if (isStdio(handle)) return;
    handle.removeAllListeners();
    handle.on('error', ignore);
    handle.destroy();
  } else if (handle instanceof net.Server) {
    handle.removeAllListeners();
    handle.on('error', ignore);
    handle.close();
  } else if (isInstance(handle, childProcessClass())) {
    // Not our child: its exit would never be seen, and libuv must not waitpid() it here.
    handle.removeAllListeners();
    const raw = (handle as Handle)['_handle'] as { close(): void } | null;
    (handle as Handle)['_handle'] = null;
    raw?.close();
  } else if (isInstance(handle, dgramSocket())) {
    handle.removeAllListeners();
    handle.on('error', ignore);
    handle.close();
  } else {
    const other = handle as { close?: unknown; unref?: unknown; removeAllListeners?: unknown };
    if (typeof other.close === 'function') {
      if (typeof other.removeAllListeners === 'function') (other.removeAllListeners as (this: object) => void).call(other);
      (other.close as (this: object) => void).call(other);
    } else if (typeof other.unref === 'function') {
      (other.unref as (this: object) => void).call(other);
    }
  }
}

/** The handles this process holds: the ref'd ones (process._getActiveHandles()) and the unref'd ones recorded. */
export function knownHandles(): Set<object> {
  const handles = (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles();
  return new Set<object>([...handles, ...registry().unrefd]);
}

/** In a forked child: close the handles inherited from the parent (except stdio and preserved ones). */
export function closeInheritedHandles(): number {
  const reg = registry();
  const candidates = knownHandles();
  reg.unrefd.clear();
  let dropped = 0;
  for (const handle of candidates) {
    if (reg.preserved.has(handle) || isDead(handle)) continue;
    try {
      drop(handle);
      dropped++;
    } catch {
      // a handle that cannot be closed here stays; it belongs to the parent anyway
    }
  }
  // An IPC channel to our parent's parent (child_process.fork) is not the child's to use.
  if (process.channel !== undefined && !reg.preserved.has(process.channel)) {
    process.removeAllListeners('message');
    process.removeAllListeners('disconnect');
    try {
      process.disconnect?.();
    } catch {
      // already disconnected
    }
  }
  return dropped;
}
