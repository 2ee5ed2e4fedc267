// net.Server and net.Socket as shareable values, as Node's child_process.send(message, handle)
// passes them: the receiver gets a net.Server listening on the same socket (it accepts
// connections too: the kernel hands each to one of the processes accepting), or a net.Socket on
// the same connection. Their fds travel over a Connection (SCM_RIGHTS) or as Process arguments.
// Connections the receiving server accepts before its receiver listens for them are held for it.
// The sender keeps its own copy: close a server there (server.close()) or destroy a socket
// (socket.destroy(), which closes only this process's fd) when the receiver is to serve alone.
import { Server, Socket } from 'node:net';
import { registerReducer, registerRebuilder, type HandleDescriptor, type ReceivedHandle } from '../reduction.ts';

// The fd under a net handle (libuv's, on Unix), if it has one now.
function fdOf(value: Server | Socket): number | undefined {
  const fd = (value as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

registerReducer((value): HandleDescriptor | undefined => {
  if (value instanceof Server) {
    const fd = fdOf(value);
    if (fd === undefined)
      throw new TypeError('A net.Server can be sent once it listens (its socket exists): await its "listening" event first.');
    return { kind: 'net.Server', data: null, fds: [fd] };
  }
  if (value instanceof Socket) {
    const fd = fdOf(value);
    if (fd === undefined)
      throw new TypeError('A net.Socket can be sent while it is connected (it has a file descriptor): this one is not, or is destroyed.');
    return { kind: 'net.Socket', data: null, fds: [fd] };
  }
  return undefined;
});

registerRebuilder('net.Server', (handle: ReceivedHandle) => {
  const server = new Server();
  holdEarlyConnections(server);
  server.listen({ fd: handle.fds[0] as number });
  return server;
});

/**
 * A received server accepts at once (its socket may already have connections waiting), but its
 * receiver adds a 'connection' listener only once it has it: after a Connection's recv settles,
 * or, for a Process argument, once the child has loaded its target. Connections accepted before
 * that are held and handed to the first 'connection' listener, instead of being lost. (A server
 * that has a listener already, as a forked child's copy may, is left as it is.)
 */
export function holdEarlyConnections(server: Server): void {
  if (server.listenerCount('connection') > 0) return;
  const early: Socket[] = [];
  const hold = (socket: Socket): void => {
    early.push(socket);
  };
  const onListener = (event: string | symbol): void => {
    if (event !== 'connection') return;
    server.off('newListener', onListener);
    server.off('connection', hold);
    process.nextTick(() => {
      for (const socket of early.splice(0)) server.emit('connection', socket);
    });
  };
  server.on('connection', hold);
  server.on('newListener', onListener);
}

registerRebuilder('net.Socket', (handle: ReceivedHandle) => new Socket({ fd: handle.fds[0] as number, readable: true, writable: true }));
