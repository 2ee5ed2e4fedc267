// Entry of the fork server: a quiet --single-threaded process. fd 3 is the request socket
// (requests in, replies out; fds arrive by SCM_RIGHTS), fd 4 the event socket (exit notices out).
// For each request it imports the target's module (once; the guard applies), forks, and the
// child becomes the Process, its modules already loaded.
import { Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { requireNative } from '../native/binding.ts';
import { logAt, LogLevel } from '../log.ts';
// Loaded once here, so children that receive shareable objects need no import() for them.
import '../shareables.ts';
import { preserveHandle } from '../os/handles.ts';
import { installTimerTracking } from '../os/timers.ts';
import { installOutputTracking } from '../os/std-streams.ts';
import { globalState } from '../state.ts';
import { importModule, sharePreloaded } from '../loading/typescript.ts';
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
import { applyStdio } from './child-options.ts';
import { warmUp } from './warm-up.ts';
import { enterForkedChild } from './forked-child.ts';
import { captureLoader, runTsxHooksInThread, useInThreadLoader } from '../loading/in-thread-loader.ts';
import { isPreparationData, type PreparationData } from './preparation-message.ts';
import { runPrepared } from './run-child.ts';
import { awaitRequest, handToSpare, SPARE_IDLE_MS, type Spare } from './spare-child.ts';

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
// The child keeps its copy idle (see becomeChild) rather than destroying it: cheaper.
preserveHandle(events);
events.on('error', () => undefined);
events.on('close', shutdown);
events.resume();

const decoder = new FrameDecoder();
const pendingFds: number[] = [];
const queue: (ForkRequest | PreloadRequest)[] = [];
const children = new Map<number, { pidfd: number; watcher: { close(): void } }>();
// Spares (src/bootstrap/spare-child.ts), oldest first, and the children whose end nobody is told
// of (spares never used). `generation` counts the modules imported: a spare forked before the last
// one is stale. One spare per child that ended since the last start: a start→join loop keeps one,
// a Pool whose N workers ended together keeps N for the next Pool's burst of N starts. At most one
// per CPU this process may use: a larger burst of starts competes for the CPUs anyway.
const spares: Spare[] = [];
const MAX_SPARES = Math.max(1, availableParallelism());
let endedSinceStart = 0;
const unreported = new Set<number>();
let generation = 0;
let spareExpiry: NodeJS.Timeout | undefined;
let lastStart = -Infinity;
let busy = false;
const requests = native.watchReadable(REQUESTS, onReadable);
const startedFrame = Buffer.alloc(HEADER_SIZE + 4);
// A forked child runs with the server's young generation: emptied once the server has been idle
// for IDLE_GC_MS, so children seldom start with a scavenge pending (which would copy pages they
// share with the server). Not after each fork: right after fork() every page the scavenge writes
// is a copy-on-write fault, and it ran while the new child needed the CPU (the figures:
// docs/DECISIONS.md, "Processes and start methods").
const collect = (globalThis as { gc?: (options?: { type: 'minor' | 'major' }) => void }).gc;
const IDLE_GC_MS = 250;
const YOUNG_LIMIT = 256 * 1024;
const youngBytes = (): number => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_used_size ?? 0;
let idleCollect: NodeJS.Timeout | undefined;
let warmedUp = false;

// The server has been idle for IDLE_GC_MS: the first time, warm multiproc's hot code up for the
// children to come (src/bootstrap/warm-up.ts: once, not on the first start's path); then
// empty the young generation.
function whenIdle(): void {
  if (!warmedUp) {
    warmedUp = true;
    try {
      warmUp();
    } catch {
      // only an optimization: the server goes on without it
    }
  }
  collect?.({ type: 'minor' });
}
// Node's ESM loader internals, kept at hand for the children (see src/loading/in-thread-loader.ts).
captureLoader();
// TypeScript: tsx's ESM hooks run in this thread (src/loading/typescript.ts: a loader thread would make
// fork() unsafe); children inherit them with the rest of the heap.
const typescriptReady = runTsxHooksInThread();

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
  const ready = takeSpare();
  if (ready !== null && handToSpare(native, ready, request, fds)) return started(ready.pid, prep, fds);
  // Much in the young generation (a module imported just now, a burst of requests): a child
  // forked with it would soon run a scavenge over pages it shares with this process (a Pool's
  // start + map got markedly faster without: docs/DECISIONS.md). Empty it first.
  if (collect !== undefined && youngBytes() > YOUNG_LIMIT) collect({ type: 'minor' });
  let pid: number;
  try {
    pid = native.fork();
  } catch (error) {
    return refuse((error as Error).message, fds);
  }
  if (pid === 0) return runServerChild(prep, fds);
  started(pid, prep, fds);
  watchChild(pid);
}

function started(pid: number, prep: PreparationData, fds: number[]): void {
  // From here until the child ends, each page this process writes is copied (copy-on-write):
  // answer first, with a preallocated frame.
  native.sendFds(REQUESTS, encodeStartedInto(startedFrame, pid), []);
  logAt(LogLevel.DEBUG, 'fork server forked pid %d for %s', pid, prep.name);
  for (const fd of fds) native.close(fd);
  clearTimeout(idleCollect);
  idleCollect = setTimeout(whenIdle, IDLE_GC_MS).unref();
  lastStart = performance.now();
  endedSinceStart = 0;
}

// Reap `pid` when it ends, and tell the client (unless it was a spare never used).
function watchChild(pid: number): void {
  const pidfd = native.pidfdOpen(pid);
  const watcher = native.watchReadable(pidfd, () => {
    const status = native.waitpid(pid, true);
    if (status === null) return;
    watcher.close();
    native.close(pidfd);
    children.delete(pid);
    dropSpare(pid);
    if (unreported.delete(pid)) return;
    events.write(encodeObject({ type: 'exited', pid, exitCode: status.exitCode ?? -(status.signal ?? 0) }));
    if (performance.now() - lastStart < SPARE_IDLE_MS) keepSpare();
  });
  children.set(pid, { pidfd, watcher });
}

// A child ended while starts are recent (a start→join loop, a Pool replacing a worker, a Pool's
// workers ending together): have a spare ready for the next start, one per child ended since the
// last start (once this turn of the loop is done), until SPARE_IDLE_MS pass. Not at each start:
// the starts of a burst (a Pool's workers) would each fork a spare nobody uses, competing for the
// CPU with the children just started.
function keepSpare(): void {
  endedSinceStart++;
  clearTimeout(spareExpiry);
  spareExpiry = setTimeout(dropSpares, SPARE_IDLE_MS).unref();
  setImmediate(forkSpare);
}

function forkSpare(): void {
  if (spares.length >= Math.min(endedSinceStart, MAX_SPARES) || busy) return;
  const [mine, theirs] = native.socketpair();
  let pid: number;
  try {
    pid = native.fork();
  } catch {
    native.close(mine);
    native.close(theirs);
    return; // no spare: the next start forks as usual
  }
  if (pid === 0) {
    native.close(mine);
    return runSpare(theirs);
  }
  native.close(theirs);
  spares.push({ pid, fd: mine, generation });
  unreported.add(pid);
  watchChild(pid);
}

// The oldest spare that has every module the server has; stale ones are dropped.
function takeSpare(): Spare | null {
  for (let ready = spares.shift(); ready !== undefined; ready = spares.shift()) {
    if (ready.generation === generation) {
      unreported.delete(ready.pid);
      return ready;
    }
    native.close(ready.fd); // it ends itself (spare-child.ts), unreported
  }
  return null;
}

// A spare ended by itself (it died): forget it.
function dropSpare(pid: number): void {
  const at = spares.findIndex((spare) => spare.pid === pid);
  if (at < 0) return;
  native.close((spares[at] as Spare).fd);
  spares.splice(at, 1);
}

// Close the unused spares' sockets: they end themselves, and their ends are not reported.
function dropSpares(): void {
  clearTimeout(spareExpiry);
  for (const spare of spares.splice(0)) native.close(spare.fd);
}

// Import the modules once, here, so every child starts with them loaded (its importTarget and
// the Pool find them through sharePreloaded). A module that fails (or reaches start() at its top
// level) is left for the child that needs it to report: it fails the same way there.
const namespaces = new Map<string, Record<string, unknown>>();
sharePreloaded(namespaces);

async function importAll(urls: string[]): Promise<void> {
  await typescriptReady;
  const state = globalState();
  for (const url of urls) {
    if (namespaces.has(url)) continue;
    generation++; // a spare forked before lacks it
    state.importing = url;
    try {
      namespaces.set(url, await importModule(url));
    } catch {
      // reported by the child
    } finally {
      state.importing = null;
    }
  }
}

function runServerChild(prep: PreparationData, fds: number[]): void {
  const exit = leaveServer();
  runRequest(prep, fds, exit);
}

// A spare: the server's part left now, the Process's once the server forwards a request.
function runSpare(fd: number): void {
  const exit = leaveServer();
  setTitle('multiproc: forkserver spare');
  awaitRequest(
    native,
    fd,
    (request, fds) => {
      if (!isPreparationData(request.prep)) return exit(1); // checked by the server already
      runRequest(request.prep, fds, exit);
    },
    exit,
  );
}

function runRequest(prep: PreparationData, fds: number[], exit: (code: number) => never): void {
  let next = 0;
  const handles = prep.handles.map((handle) => ({ ...handle, fds: handle.fds.map(() => fds[next++] as number) }));
  applyStdio(native, prep.stdio, fds.slice(next)); // the stdio pipes' write ends come last
  void runPrepared(prep, handles, exit);
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
  for (const { pidfd, watcher } of children.values()) {
    watcher.close();
    native.close(pidfd);
  }
  children.clear();
  // Fds of requests not yet handled (another child's stdio pipes): holding them would keep that
  // child's output open after it ends.
  for (const fd of pendingFds.splice(0)) native.close(fd);
  unreported.clear();
  for (const spare of spares.splice(0)) native.close(spare.fd); // sibling spares' sockets
  clearTimeout(spareExpiry);
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
  for (const pid of children.keys()) {
    try {
      native.kill(pid, 9);
    } catch {
      // already ended
    }
  }
  process.exit(0);
}
