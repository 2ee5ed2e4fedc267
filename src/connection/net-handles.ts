// net.Server and net.Socket as shareable values, as Node's child_process.send(message, handle)
// passes them: the receiver gets a net.Server listening on the same socket (it accepts
// connections too: the kernel hands each to one of the processes accepting), or a net.Socket on
// the same connection. Their fds travel over a Connection (SCM_RIGHTS) or as Process arguments.
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
  server.listen({ fd: handle.fds[0] as number });
  return server;
});

registerRebuilder('net.Socket', (handle: ReceivedHandle) => new Socket({ fd: handle.fds[0] as number, readable: true, writable: true }));
