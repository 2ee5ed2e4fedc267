// stdin in a forked child. The parent's `process.stdin` (a pipe, a socket or a terminal it reads)
// is copied into the child ref'd and reading: it kept the child's event loop alive for as long
// as the parent's input stayed open, and the child's copy read (and lost) bytes meant for the
// parent, its listeners being the parent's code. Every forked child therefore lets go of the
// inherited stream: listeners removed, its handle closed (libuv never closes fds 0-2, so fd 0
// stays open: os.fork() keeps it, as POSIX fork() does), and `process.stdin` becomes a fresh
// stream over fd 0, made on first use as Node makes it. A Process child (fork start method,
// fork-server children) then has fd 0 reopened on /dev/null, as Python's multiprocessing does
// (`_close_stdin`), and as a spawned child gets it from child_process.
import { createReadStream, fstatSync, openSync, closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { isatty, ReadStream as TtyReadStream } from 'node:tty';
import type { NativeBinding } from '../native/types.ts';
import { isPreserved, knownHandles } from './handles.ts';

type Input = NodeJS.ReadStream & { fd?: number; _handle?: { fd?: number; readStop?(): void; reading?: boolean } | null };
interface Registry {
  installed: boolean;
  stream: Input | undefined;
}

const KEY = Symbol.for('multiproc.os.stdin');

function registry(): Registry {
  const g = globalThis as Record<symbol, Registry | undefined>;
  return (g[KEY] ??= { installed: false, stream: undefined });
}

/** Remember the stdin stream once Node makes it (process.stdin is made on first use), so a forked child finds it. */
export function installStdinTracking(): void {
  const reg = registry();
  const descriptor = Object.getOwnPropertyDescriptor(process, 'stdin');
  if (reg.installed || descriptor?.get === undefined || descriptor.configurable !== true) return;
  const made = descriptor as { get: (this: unknown) => unknown };
  reg.installed = true;
  defineStdin(() => made.get.call(process) as Input);
}

function defineStdin(make: () => Input): void {
  const reg = registry();
  Object.defineProperty(process, 'stdin', { configurable: true, enumerable: true, get: () => (reg.stream ??= make()) });
}

/** In a forked child: let go of the parent's stdin stream; process.stdin becomes a fresh one over fd 0 (see the top). */
export function dropInheritedInput(): void {
  const reg = registry();
  const inherited = new Set<Input>([...knownHandles()].filter(isStdinHandle) as Input[]);
  if (reg.stream !== undefined) inherited.add(reg.stream);
  for (const stream of inherited) if (!isPreserved(stream)) release(stream);
  reg.stream = undefined;
  defineStdin(openStdin);
}

/** In a Process child: fd 0 reopened on /dev/null (read-only), and process.stdin a fresh stream over it. */
export function stdinFromDevNull(native: NativeBinding): void {
  dropInheritedInput(); // a stream made over the old fd 0 since (an after-fork hook's) goes first
  const devNull = openSync('/dev/null', 'r');
  if (devNull !== 0) {
    native.dup2(devNull, 0);
    closeSync(devNull);
  }
}

// A socket or terminal stream over fd 0: Node's stdin has `fd` 0; a terminal's handle has its
// own fd (libuv reopens the tty), a pipe's handle has fd 0.
function isStdinHandle(handle: object): boolean {
  if (!(handle instanceof Socket)) return false;
  const stream = handle as Input;
  return stream.fd === 0 || stream._handle?.fd === 0;
}

function release(stream: Input): void {
  stream.removeAllListeners();
  stream.on('error', () => undefined);
  try {
    stream.destroy(); // closes the handle (not fd 0); an fs stream over fd 0 has autoClose off
  } catch {
    // already gone
  }
}

// As Node's own getStdin(): a terminal, a file (or character device, /dev/null), a pipe or a
// socket over fd 0, or an empty ended stream when fd 0 is none of them (closed, say).
function openStdin(): Input {
  let stream: Input;
  try {
    stream = open();
  } catch {
    stream = new Readable({ read() {} }) as unknown as Input;
    stream.push(null);
  }
  Object.assign(stream, { fd: 0 });
  const handle = stream._handle;
  if (handle?.readStop !== undefined) {
    handle.reading = false;
    handle.readStop();
  }
  // Stop reading once paused, so a paused stdin does not hold the loop (as Node's does).
  stream.on('pause', () =>
    process.nextTick(() => {
      if (stream._handle?.reading === true && stream.readableFlowing !== true) {
        stream._handle.reading = false;
        stream._handle.readStop?.();
      }
    }),
  );
  return stream;
}

function open(): Input {
  if (isatty(0)) return new TtyReadStream(0);
  const stat = fstatSync(0);
  if (stat.isFile() || stat.isCharacterDevice()) return createReadStream('', { fd: 0, autoClose: false }) as unknown as Input;
  if (stat.isFIFO() || stat.isSocket()) {
    const options = { fd: 0, readable: true, writable: false, manualStart: true }; // manualStart: not reading yet, as Node's
    const socket = new Socket(options);
    (socket as unknown as { _writableState: { ended: boolean } })._writableState.ended = true; // stdin cannot be end()ed
    return socket as unknown as Input;
  }
  throw new Error('fd 0 is neither a terminal, a file, a pipe nor a socket');
}
