// Pipe(): a pair of connected Connections (Python's multiprocessing.Pipe), and the rebuilding of
// a Connection in a child that received one as a Process argument.
import { requireNative } from '../native/binding.ts';
import { typeError } from '../options.ts';
import { registerRebuilder, type ReceivedHandle } from '../reduction.ts';
import { Connection, type ConnectionHandleData } from './connection.ts';

/**
 * Two connected ends. Duplex (the default): both send and receive, over a socketpair. One-way
 * (`Pipe(false)`): `[reader, writer]` over a pipe, as Python's.
 */
export function Pipe(duplex = true): [Connection, Connection] {
  if (typeof duplex !== 'boolean') typeError('duplex', 'a boolean', duplex);
  const native = requireNative('Pipe');
  if (duplex) {
    const [a, b] = native.socketpair();
    return [new Connection(a, { readable: true, writable: true, native }), new Connection(b, { readable: true, writable: true, native })];
  }
  const [readEnd, writeEnd] = native.pipe();
  return [new Connection(readEnd, { readable: true, writable: false, native }), new Connection(writeEnd, { readable: false, writable: true, native })];
}

registerRebuilder('connection', (handle: ReceivedHandle) => {
  const native = requireNative('a Connection received from the parent');
  const data = handle.data as ConnectionHandleData;
  const fd = handle.fds[0];
  if (fd === undefined) throw new TypeError('A shared Connection arrived without its file descriptor.');
  // Inherited without close-on-exec (spawn): a grandchild must not hold it open unknowingly.
  native.setCloexec(fd, true);
  return new Connection(fd, { readable: data.readable, writable: data.writable, native, shared: true });
});
