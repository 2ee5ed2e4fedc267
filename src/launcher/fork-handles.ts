// A forked child closes the sockets and servers it inherits (src/os/handles.ts), so that it does
// not serve its parent's connections. Those handed to it as arguments of its Process (or fields of
// a Process subclass) are its own: they are kept open in that child, as they travel by fd under
// spawn and forkserver (src/connection/net-handles.ts).
import { Server, Socket } from 'node:net';
import { holdEarlyConnections } from '../connection/net-handles.ts';
import { isPreserved, preserveHandle, unpreserveHandle } from '../os/handles.ts';

/** The net.Server and net.Socket objects reachable from `roots` (arrays, plain objects, Maps, Sets, instances' own fields). */
export function netHandlesIn(roots: unknown[]): object[] {
  const found: object[] = [];
  const seen = new Set<object>();
  const stack = [...roots];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null || seen.has(value)) continue;
    seen.add(value);
    if (value instanceof Server || value instanceof Socket) {
      found.push(value);
      continue;
    }
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) continue;
    if (value instanceof Map) for (const [k, v] of value) stack.push(k, v);
    else if (value instanceof Set) for (const v of value) stack.push(v);
    else for (const key of Object.keys(value)) stack.push((value as Record<string, unknown>)[key]);
  }
  return found;
}

/**
 * In the forked child: keep `handles` open through `closeInherited` (then let its own later forks
 * close them again); a server holds the connections it accepts until the target listens for them.
 */
export function keepingHandles<T>(handles: object[], closeInherited: () => T): T {
  const added = handles.filter((handle) => !isPreserved(handle)); // others stay as they were
  for (const handle of added) preserveHandle(handle);
  try {
    return closeInherited();
  } finally {
    for (const handle of added) unpreserveHandle(handle);
    for (const handle of handles) if (handle instanceof Server) holdEarlyConnections(handle);
  }
}
