// SharedMemory: a named POSIX shared memory segment (Python's multiprocessing.shared_memory).
// Created with mode 0600 under /dev/shm; `.buf` is a Uint8Array over a real SharedArrayBuffer
// (MAP_SHARED), so Atomics work across processes. A segment this process created is registered
// with the resource tracker until unlink(): if the process ends first (crash included), the
// tracker removes it. Shareable: a child receives it by its fd (it works even if the name was
// unlinked meanwhile) and attaches to the same memory.
import { ProcessError, ProcessStateError } from '../errors.ts';
import { requireNative, type NativeBinding, type NativeSystemError } from '../native/binding.ts';
import { rangeError, typeError } from '../options.ts';
import { kReduce, registerRebuilder, type HandleDescriptor, type ReceivedHandle } from '../reduction.ts';
import { SharedMemoryExistsError, SharedMemoryNotFoundError } from './errors.ts';
import { trackMapping, untrackMapping } from './mappings.ts';
import { checkName, generateName, posixName, segmentPath } from './names.ts';
import { registerResource, unregisterResource } from './tracker.ts';

/** Options of new SharedMemory(). */
export interface SharedMemoryOptions {
  /** The segment's name (a leading '/' is optional). Default with `create`: a fresh `mp-…` name. */
  name?: string;
  /** Create a new segment (default false: attach to an existing one by name). */
  create?: boolean;
  /** Bytes: required to create; when attaching, at most the segment's size (default: all of it). */
  size?: number;
  /** Remove the segment when this process ends without unlink() (default true; only for a creator). */
  track?: boolean;
}

interface SharedMemoryHandleData {
  name: string;
  size: number;
}

// Set by the rebuilder around `new SharedMemory(…)`: attach to memory received from the parent.
let attaching: { data: SharedMemoryHandleData; fd: number } | null = null;

/** A named block of memory that every process attached to it sees. */
export class SharedMemory {
  /** The segment's name, without a leading '/' (as Python's). */
  readonly name: string;
  /** Its size in bytes (the length of `buf`). */
  readonly size: number;
  #buf: Uint8Array<SharedArrayBuffer> | null;
  #fd: number;
  #unlinked = false;
  readonly #native: NativeBinding;

  constructor(options: SharedMemoryOptions) {
    const received = attaching;
    attaching = null;
    if (received !== null) {
      this.#native = requireNative('SharedMemory');
      this.name = received.data.name;
      this.size = received.data.size;
      this.#fd = received.fd;
      this.#buf = this.#map(received.fd, this.size, this.name);
      return;
    }
    if (typeof options !== 'object' || options === null) typeError('options', 'an object such as { create: true, size: 1024 }', options);
    const { create = false, track = true } = options;
    if (typeof create !== 'boolean') typeError('create', 'a boolean', create);
    if (typeof track !== 'boolean') typeError('track', 'a boolean', track);
    const native = requireNative('SharedMemory');
    this.#native = native;
    let size = options.size;
    if (size !== undefined || create) {
      if (typeof size !== 'number') typeError('size', 'a positive integer (bytes)', size);
      if (!Number.isInteger(size) || size <= 0) rangeError('size', 'a positive integer (bytes)', size);
    }
    if (options.name === undefined && !create)
      throw new TypeError('Expected `name` to open an existing segment (or `create: true` to make a new one).');
    let name = options.name === undefined ? generateName() : checkName(options.name);
    let fd: number;
    if (create) {
      fd = createSegment(native, name, size as number, options.name === undefined, (fresh) => (name = fresh));
      if (track) registerResource(segmentPath(name));
    } else {
      fd = openSegment(native, name);
      const actual = native.fstatSize(fd);
      if (actual === 0) {
        native.close(fd);
        throw new ProcessError(
          `The shared memory segment \`${name}\` is empty (size 0): it cannot be mapped; its creator may not have sized it yet.`,
        );
      }
      if (size !== undefined && size > actual) {
        native.close(fd);
        rangeError('size', `at most the segment's size, ${actual}`, size);
      }
      size ??= actual;
    }
    this.name = name;
    this.size = size as number;
    this.#fd = fd;
    this.#buf = this.#map(fd, this.size, name);
  }

  /** The memory, as bytes. Throws after close(). */
  get buf(): Uint8Array<SharedArrayBuffer> {
    if (this.#buf === null)
      throw new ProcessStateError(`SharedMemory \`${this.name}\` was closed in this process: its buf is no longer available here.`);
    return this.#buf;
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#buf === null;
  }

  /**
   * Detach in this process (the segment stays for others; unlink() removes it). Views taken from
   * `buf` before stay valid until they are collected: the memory is unmapped then, never under them.
   */
  close(): void {
    const buf = this.#buf;
    if (buf === null) return;
    this.#buf = null;
    untrackMapping(buf.buffer);
    this.#native.close(this.#fd);
    this.#fd = -1;
  }

  /** Remove the segment's name (once, from any one process); attached processes keep the memory. */
  unlink(): void {
    try {
      this.#native.shmUnlink(posixName(this.name));
    } catch (error) {
      if ((error as NativeSystemError).code === 'ENOENT') throw new SharedMemoryNotFoundError(this.name, 'unlink', { cause: error });
      throw error;
    }
    this.#unlinked = true;
    unregisterResource(segmentPath(this.name));
  }

  /** close(), for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** The handle a child attaches from (see src/reduction.ts). */
  [kReduce](): HandleDescriptor {
    if (this.#buf === null)
      throw new ProcessStateError(`SharedMemory \`${this.name}\` was closed in this process: it cannot be sent to a child.`);
    const data: SharedMemoryHandleData = { name: this.name, size: this.size };
    return { kind: 'shared-memory', data, fds: [this.#fd] };
  }

  toString(): string {
    return `SharedMemory(name=${JSON.stringify(this.name)}, size=${this.size}${this.#buf === null ? ', closed' : ''}${this.#unlinked ? ', unlinked' : ''})`;
  }

  #map(fd: number, size: number, name: string): Uint8Array<SharedArrayBuffer> {
    let buffer: SharedArrayBuffer;
    try {
      buffer = this.#native.mmapShared(fd, size);
    } catch (error) {
      this.#native.close(fd);
      throw new ProcessError(`Could not map the shared memory segment \`${name}\` (${size} bytes): ${(error as Error).message}`, {
        cause: error,
      });
    }
    // The fd is this object's (closed by close()); the mapping is known so views of it can be shared.
    trackMapping(buffer, { id: `shm:${name}:${fd}:${process.pid}`, fd, size });
    this.#native.setCloexec(fd, true);
    return new Uint8Array(buffer);
  }
}

registerRebuilder('shared-memory', (handle: ReceivedHandle) => {
  const data = handle.data as SharedMemoryHandleData;
  const fd = handle.fds[0];
  if (fd === undefined) return new SharedMemory({ name: data.name }); // through a queue: by name, as Python pickles it
  attaching = { data, fd };
  try {
    return new SharedMemory({ name: data.name });
  } finally {
    attaching = null;
  }
});

// shm_open(O_CREAT|O_EXCL): a generated name that exists already is replaced by another.
function createSegment(native: NativeBinding, name: string, size: number, generated: boolean, rename: (name: string) => void): number {
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = native.shmOpen(posixName(name), 'create', 0o600);
    } catch (error) {
      if ((error as NativeSystemError).code !== 'EEXIST') throw error;
      if (!generated || attempt > 8) throw new SharedMemoryExistsError(name, { cause: error });
      name = generateName();
      rename(name);
      continue;
    }
    try {
      native.ftruncate(fd, size);
    } catch (error) {
      native.close(fd);
      native.shmUnlink(posixName(name));
      throw new ProcessError(`Could not size the shared memory segment \`${name}\` to ${size} bytes: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return fd;
  }
}

function openSegment(native: NativeBinding, name: string): number {
  try {
    return native.shmOpen(posixName(name), 'open', 0o600);
  } catch (error) {
    if ((error as NativeSystemError).code === 'ENOENT') throw new SharedMemoryNotFoundError(name, 'open', { cause: error });
    throw error;
  }
}
