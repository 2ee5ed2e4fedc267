// stdout and stderr in a forked child. Whatever the parent had queued for them at fork time is
// the parent's to write, and the parent writes it: a child that wrote its copy too printed it
// twice (node:test's reporter, piped into a piped stdout, had each forked child of a test file
// re-send finished results, and tore the runner's protocol). Two places hold such output:
// - streams piped into stdout/stderr (`reporter.pipe(process.stdout)`), whose buffers and
//   pending callbacks the child inherits: the child unpipes them, so nothing of theirs reaches
//   its stdout (they belong to the parent's code, which does not run in the child);
// - stdout/stderr themselves, when they are a pipe or a socket whose reader is slower than the
//   writer: libuv keeps the rest of a write queued, and the child's copy of the loop would write
//   it again. Such a stream is replaced in the child by a fresh one over the same fd (fd 1 and 2
//   stay open: libuv never closes stdio fds), and the inherited one closed with its queue; code
//   that kept a reference to the old object writes through to the new one.
// Files and terminals are written synchronously on Linux: nothing is ever queued in them.
import { fstatSync, writeSync, type Stats } from 'node:fs';
import { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { isatty, WriteStream } from 'node:tty';

type StdName = 'stdout' | 'stderr';
type StdStream = NodeJS.WriteStream & { _handle?: { close?(): void; writeQueueSize?: number } | null };

// Node makes process.stdout and process.stderr on first use. A stream the parent never made holds
// nothing the child must drop, and making it in every child (to look) cost each fork-server child
// about a millisecond and some 60 page faults: the fork server never writes to stdout. So which
// of them exist is tracked from the moment multiproc loads; one made earlier is found by its
// handle (a pipe, a socket or a terminal: ref'd, so listed among the active handles) or its
// SIGWINCH listener (a terminal); over a file (written synchronously, nothing ever queued) it
// leaves no trace, and is then taken as made.
interface Registry {
  installed: boolean;
  made: Record<StdName, boolean>;
}

const KEY = Symbol.for('multiproc.os.stdout');

function registry(): Registry {
  const g = globalThis as Record<symbol, Registry | undefined>;
  return (g[KEY] ??= { installed: false, made: { stdout: true, stderr: true } });
}

/** Note from now on whether process.stdout and process.stderr were made (see above), so a forked child need not make them. */
export function installOutputTracking(): void {
  const reg = registry();
  if (reg.installed) return;
  reg.installed = true;
  for (const name of ['stdout', 'stderr'] as const) {
    const descriptor = Object.getOwnPropertyDescriptor(process, name);
    if (descriptor?.get === undefined || descriptor.configurable !== true) continue; // already replaced: taken as made
    const { get: make } = descriptor as { get: (this: unknown) => unknown };
    reg.made[name] = !provablyUnmade(name === 'stdout' ? 1 : 2);
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: true,
      get: () => {
        reg.made[name] = true;
        return make.call(process);
      },
    });
  }
}

// A pipe, socket or terminal on `fd` with no stream over it (its handle would be listed, and a
// terminal's stream adds a SIGWINCH listener). Anything else (a file, a closed fd): unknown.
function provablyUnmade(fd: 1 | 2): boolean {
  let stat: Stats;
  try {
    stat = fstatSync(fd);
  } catch {
    return false;
  }
  const tty = isatty(fd);
  if (!tty && !stat.isFIFO() && !stat.isSocket()) return false;
  const handles = (
    process as unknown as { _getActiveHandles(): { fd?: unknown; _handle?: { fd?: unknown } | null }[] }
  )._getActiveHandles();
  if (handles.some((handle) => handle.fd === fd || handle._handle?.fd === fd)) return false;
  const sigwinch = fd === 1 ? 'refreshStdoutOnSigWinch' : 'refreshStderrOnSigWinch';
  return !(tty && process.listeners('SIGWINCH').some((listener) => listener.name === sigwinch));
}

/** In a forked child: drop what the parent had queued on stdout and stderr (see the top). */
export function dropInheritedOutput(): void {
  const { made } = registry();
  for (const name of ['stdout', 'stderr'] as const) {
    if (!made[name]) continue; // never made: nothing queued, nothing piped into it
    const stream = process[name] as StdStream;
    unpipeSources(stream);
    if (hasQueuedOutput(stream)) replaceStream(name, stream);
  }
}

// Readable.prototype.pipe(dest) puts a listener named `onclose` on dest's 'close' that unpipes
// its source (node:internal/streams/readable): calling it detaches that source, whoever piped it
// and whenever (also before multiproc was loaded).
function unpipeSources(stream: StdStream): void {
  for (const listener of stream.listeners('close')) {
    if (listener.name === 'onclose') (listener as () => void).call(stream);
  }
}

function hasQueuedOutput(stream: StdStream): boolean {
  return stream.writableLength > 0 || (stream._handle?.writeQueueSize ?? 0) > 0;
}

function replaceStream(name: StdName, old: StdStream): void {
  const fd = name === 'stdout' ? 1 : 2;
  // The inherited stream first: its handle closed with its queue (each queued write fails
  // quietly), which also lets go of the fd in libuv's table, so a new handle may watch it.
  old.removeAllListeners('error');
  old.on('error', () => undefined);
  try {
    old._handle?.close?.();
  } catch {
    // already closed
  }
  const fresh = openStream(fd, old instanceof WriteStream);
  Object.assign(fresh, { fd, _isStdio: true, _type: old instanceof WriteStream ? 'tty' : 'pipe' });
  // As Node's own stdio streams: destroy() does not close fd 1 or 2.
  (fresh as unknown as { _destroy(error: Error | null, done: (error: Error | null) => void): void })._destroy = (error, done) =>
    done(error);
  Object.defineProperty(process, name, { configurable: true, enumerable: true, get: () => fresh });
  old.write = ((...args: Parameters<StdStream['write']>) => fresh.write(...args)) as StdStream['write'];
}

// A stream over fd 1 or 2 as Node makes one; if Node cannot wrap the fd again, one that writes
// synchronously (waiting while a non-blocking pipe is full).
function openStream(fd: number, tty: boolean): StdStream {
  try {
    return (tty ? new WriteStream(fd) : new Socket({ fd, readable: false, writable: true })) as StdStream;
  } catch {
    return new Writable({
      write(chunk: Buffer, _encoding, done) {
        writeAll(fd, chunk);
        done();
      },
    }) as unknown as StdStream;
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

function writeAll(fd: number, bytes: Buffer): void {
  for (let offset = 0; offset < bytes.length;) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      Atomics.wait(pause, 0, 0, 1); // the pipe is full: 1 ms for its reader
    }
  }
}
