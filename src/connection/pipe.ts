// Pipe(): a pair of connected Connections (Python's multiprocessing.Pipe), and the rebuilding of
// a Connection in a child that received one as a Process argument.
import { loadNative, requireNative, type NativeBinding } from '../native/binding.ts';
import { typeError } from '../options.ts';
import { portablePipe } from '../portable/pipe.ts';
import { registerRebuilder, type ReceivedHandle } from '../reduction.ts';
import { allocate } from '../shared-memory/arena.ts';
import { attachMapping } from '../shared-memory/mappings.ts';
import { openConnection, type Connection, type ConnectionHandleData, type Lanes, type LanesHandle } from './connection.ts';
import { Lane, LANE_BYTES } from './lane.ts';

/**
 * Two connected ends. Duplex (the default): both send and receive, over a socketpair. One-way
 * (`Pipe(false)`): `[reader, writer]` over a pipe, as Python's.
 * @throws {NativeUnavailableError} without the native addon.
 * @example
 * const [parentEnd, childEnd] = Pipe();
 * const p = new Process({ target: echo, args: [childEnd] }); // export async function echo(c: Connection) { await c.send(await c.recv()); }
 * p.start();
 * childEnd.close();
 * await parentEnd.send({ hello: 'child' });
 * console.log(await parentEnd.recv()); // { hello: 'child' }
 */
export function Pipe(duplex = true): [Connection, Connection] {
  if (typeof duplex !== 'boolean') typeError('duplex', 'a boolean', duplex);
  const native = loadNative();
  return native === null ? portablePipe(duplex) : pipeOver(native, duplex); // without the addon: src/portable/
}

/**
 * Internal (managers): a duplex Pipe whose messages all go by its socket, without a lane. A lane
 * pays where a receiver spins; where both ends always sleep, every message would cost a lane
 * record and a wake frame instead of one frame.
 */
export function socketPipe(): [Connection, Connection] {
  const native = loadNative();
  return native === null ? portablePipe(true) : pipeOver(native, true, false);
}

/** Internal (tests): Pipe() over the given binding (`withLanes` false: no shared-memory lanes). */
export function pipeOver(native: NativeBinding, duplex: boolean, withLanes = true): [Connection, Connection] {
  const memory = withLanes ? laneMemory(duplex ? 2 : 1) : null;
  // Lane i of this Pipe (-1: none) at its offset in the memory.
  const at = (index: number) => (memory === null || index < 0 ? -1 : memory.byteOffset + index * LANE_BYTES);
  const lanes = (inbound: number, outbound: number) => (memory === null ? null : lanesAt(memory.buffer, at(inbound), at(outbound)));
  if (duplex) {
    const [a, b] = native.socketpair();
    return [
      openConnection(a, { readable: true, writable: true, native, lanes: lanes(1, 0) }),
      openConnection(b, { readable: true, writable: true, native, lanes: lanes(0, 1) }),
    ];
  }
  const [readEnd, writeEnd] = native.pipe();
  return [
    openConnection(readEnd, { readable: true, writable: false, native, lanes: lanes(0, -1) }),
    openConnection(writeEnd, { readable: false, writable: true, native, lanes: lanes(-1, 0) }),
  ];
}

// Shared memory for `count` lanes; null where none can be had (the Pipe then uses its socket alone).
function laneMemory(count: number): { buffer: SharedArrayBuffer; byteOffset: number } | null {
  try {
    return allocate(count * LANE_BYTES);
  } catch {
    return null;
  }
}

// A Connection's lanes over `buffer`: the one it receives from and the one it sends into (offsets; -1: none).
function lanesAt(buffer: SharedArrayBuffer, inbound: number, outbound: number): Lanes {
  const lane = (byteOffset: number) => (byteOffset < 0 ? null : new Lane(buffer, byteOffset));
  return { inbound: lane(inbound), outbound: lane(outbound) };
}

// A received Connection's lanes, over the mapping that came with it.
function receivedLanes(handle: LanesHandle, fd: number | undefined): Lanes {
  if (fd === undefined) throw new TypeError("A shared Connection arrived without its lanes' file descriptor.");
  return lanesAt(attachMapping(handle.mapping, handle.size, fd), handle.inbound, handle.outbound);
}

registerRebuilder('connection', (handle: ReceivedHandle) => {
  const native = requireNative('a Connection received from the parent');
  const data = handle.data as ConnectionHandleData;
  const fd = handle.fds[0];
  if (fd === undefined) throw new TypeError('A shared Connection arrived without its file descriptor.');
  // Inherited without close-on-exec (spawn): a grandchild must not hold it open unknowingly.
  native.setCloexec(fd, true);
  const lanes = data.lanes === undefined ? null : receivedLanes(data.lanes, handle.fds[1]);
  return openConnection(fd, { readable: data.readable, writable: data.writable, native, shared: true, lanes });
});
