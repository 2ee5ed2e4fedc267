// Entry of the fork server: a quiet --single-threaded process. fd 3 is the request socket
// (requests in, replies out; fds arrive by SCM_RIGHTS), fd 4 the event socket (exit notices out).
// For each request it imports the target's module (once; the guard applies, server-modules.ts),
// forks (or hands the request to its warm spare, server-spare.ts), and the child becomes the
// Process, its modules already loaded (server-child.ts).
import { Socket } from 'node:net';
import { requireNative } from '../native/binding.ts';
import { logAt, LogLevel } from '../log.ts';
// Loaded once here, so children that receive shareable objects need no import() for them.
import '../shareables.ts';
import { preserveHandle } from '../os/handles.ts';
import { installTimerTracking } from '../os/timers.ts';
import { installOutputTracking } from '../os/std-streams.ts';
import { useInThreadLoader } from '../loading/in-thread-loader.ts';
import {
  decodeObject,
  encodeObject,
  encodeStartedInto,
  expectForkRequest,
  FrameDecoder,
  HEADER_SIZE,
  type ForkRequest,
  type PreloadRequest,
} from '../wire/protocol.ts';
import { setTitle } from './become-child.ts';
import { enterForkedChild } from './forked-child.ts';
import { isPreparationData, type PreparationData } from './preparation-message.ts';
import { runServerChild, runSpare } from './server-child.ts';
import { ServerChildren } from './server-children.ts';
import { collectWhenIdle, emptyYoungIfFull } from './server-idle.ts';
import { importAll, prepareServerLoading } from './server-modules.ts';
import { SpareKeeper } from './server-spare.ts';
import { handToSpare } from './spare-child.ts';

const REQUESTS = 3;
const native = requireNative('the fork server');
const serverPid = process.pid;
setTitle('multiproc: forkserver');
// Ctrl+C reaches the whole process group: the server leaves it to the children (as Python's does).
process.on('SIGINT', () => undefined);

// Timers that target modules create when the server imports them must not fire in children:
// track them from now on (multiproc/os clears tracked timers in every forked child).
installTimerTracking();
// Which of stdout/stderr exist: a child need not make the ones the server never used (src/os/std-streams.ts).
installOutputTracking();

const events = new Socket({ fd: 4, readable: true, writable: true });
// The child keeps its copy idle (see leaveServer) rather than destroying it: cheaper.
preserveHandle(events);
events.on('error', () => undefined);
events.on('close', shutdown);
events.resume();

const decoder = new FrameDecoder();
const pendingFds: number[] = [];
const queue: (ForkRequest | PreloadRequest)[] = [];
const children = new ServerChildren(native);
let busy = false;
const spares = new SpareKeeper({
  native,
  children,
  reportEnd: ({ pid, code }) => events.write(encodeObject({ type: 'exited', pid, exitCode: code })),
  busy: () => busy,
  runSpare: (fd) => runSpare(native, leaveServer, fd),
});
const requests = native.watchReadable(REQUESTS, onReadable);
const startedFrame = Buffer.alloc(HEADER_SIZE + 4);
prepareServerLoading();

function onReadable(): void {
  for (;;) {
    // 64 KiB at a time: a larger receive buffer is fresh memory, and each page touched costs
    // a page fault (a 1 MiB buffer made every request markedly slower).
    const got = native.recvFds(REQUESTS, 65_536);
    if (got === null) break;
    if (got.data.length === 0) return shutdown();
    pendingFds.push(...got.fds);
    try {
      for (const frame of decoder.push(got.data)) queue.push(expectForkRequest(decodeObject(frame.payload)));
    } catch (error) {
      return corruptRequest(error);
    }
  }
  void drain();
}

async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  while (queue.length > 0) await handle(queue.shift() as ForkRequest | PreloadRequest);
  busy = false;
}

// The request stream is corrupt (a bug: only the user's process writes to it): no request after
// this one can be trusted, so the server says why on stderr and ends as when that process is gone.
function corruptRequest(error: unknown): void {
  process.stderr.write(`multiproc: the fork server stops: ${(error as Error).message}\n`);
  shutdown();
}

async function handle(request: ForkRequest | PreloadRequest): Promise<void> {
  if (request.type === 'preload') return importAll(request.urls.filter((url) => typeof url === 'string'));
  const fds = pendingFds.splice(0, request.fdCount);
  const prep = request.prep;
  if (!isPreparationData(prep)) return refuse('the preparation message is malformed or of another version of multiproc', fds);
  await importAll([prep.cls, prep.target].flatMap((ref) => (ref === null ? [] : [ref.url])));
  const ready = spares.take();
  if (ready !== null && handToSpare(native, ready, request, fds)) return started(ready.pid, prep, fds);
  emptyYoungIfFull();
  let pid: number;
  try {
    pid = native.fork();
  } catch (error) {
    return refuse((error as Error).message, fds);
  }
  if (pid === 0) return runServerChild(native, leaveServer, prep, fds);
  started(pid, prep, fds);
  spares.watch(pid);
}

function started(pid: number, prep: PreparationData, fds: number[]): void {
  // From here until the child ends, each page this process writes is copied (copy-on-write):
  // answer first, with a preallocated frame.
  native.sendFds(REQUESTS, encodeStartedInto(startedFrame, pid), []);
  logAt(LogLevel.DEBUG, 'fork server forked pid %d for %s', pid, prep.name);
  for (const fd of fds) native.close(fd);
  collectWhenIdle();
  spares.started();
}

// In a child of the server (a Process or a spare): let go of what is the server's, become a forked child.
function leaveServer(): (code: number) => never {
  // The parent's queue is not the child's: stop the drain loop that forked us.
  queue.length = 0;
  busy = true;
  // Close what is the server's: the request socket, the event socket, the siblings' watchers.
  requests.close();
  native.close(REQUESTS);
  // The event socket is the server's: it must not keep this child alive. Nothing more: every
  // page the child touches now is copied (destroying it would run stream machinery for nothing;
  // its listeners never fire here, the client never writes to it, and the child ends through _exit).
  events.unref();
  children.forgetInChild();
  // Fds of requests not yet handled (another child's stdio pipes): holding them would keep that
  // child's output open after it ends.
  for (const fd of pendingFds.splice(0)) native.close(fd);
  spares.forgetInChild();
  process.removeAllListeners('SIGINT');
  const exit = enterForkedChild({ parentDeathSignal: 9, expectedParent: serverPid });
  useInThreadLoader();
  return exit;
}

function reply(message: unknown): void {
  const frame = encodeObject(message);
  let offset = 0;
  while (offset < frame.length) offset += native.sendFds(REQUESTS, frame.subarray(offset), []);
}

function refuse(message: string, fds: number[]): void {
  for (const fd of fds) native.close(fd);
  reply({ type: 'refused', message });
}

// The user's process is gone (its sockets closed): no child may outlive it.
function shutdown(): void {
  children.killAll();
  process.exit(0);
}
