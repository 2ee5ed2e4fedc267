// Entry of a spawned child: read the preparation message from fd 3, become the Process, and watch
// fd 3 for the parent's death (end-of-file).
import { loadNative } from '../native/binding.ts';
import { decodeObject, FrameDecoder } from '../wire/protocol.ts';
import { runTsxHooksInThread } from '../loading/in-thread-loader.ts';
import { isPreparationData } from './preparation-message.ts';
import { runPrepared } from './run-child.ts';
import { readSync } from 'node:fs';

// ps reads the marker from /proc/PID/environ; programs this child starts must not inherit it.
delete process.env.MULTIPROC_SPAWN_PARENT;

// A child of a process that compiles TypeScript in its main thread (a fork server or one of its
// children, `multiproc run`) inherited those options: run tsx's ES module hooks in this thread
// too, as the fork server does, so a TypeScript target loads as an ES module (top-level await
// included) rather than through the CommonJS hook alone.
const typescriptReady = runTsxHooksInThread();
// What the parent added to a replaced environment for this start only (launcher/spawn.ts).
for (const name of (process.env.MULTIPROC_SPAWN_ADDED ?? '').split(',')) if (name !== '') delete process.env[name];
delete process.env.MULTIPROC_SPAWN_ADDED;

const CHANNEL = 3;
const decoder = new FrameDecoder();
let prepared = false;

function onData(chunk: Buffer): void {
  if (prepared) return;
  let prep: unknown = null;
  try {
    const [frame] = decoder.push(chunk);
    if (frame === undefined) return;
    prep = decodeObject(frame.payload);
  } catch {
    // a corrupt channel (FrameError): refused below
  }
  prepared = true;
  if (!isPreparationData(prep)) {
    process.stderr.write(
      'multiproc: the preparation message is malformed or of another version; parent and child must use the same multiproc.\n',
    );
    process.exit(1);
  }
  // The modules that rebuild shareable objects, only when some were sent: a child without them
  // starts faster (a target that imports multiproc loads them anyway).
  const ready = prep.handles.length > 0 ? import('../shareables.ts') : Promise.resolve();
  void Promise.all([ready, typescriptReady]).then(() => runPrepared(prep, prep.handles, (code) => process.exit(code)));
}

// The parent's end closes when it dies, even by SIGKILL: end promptly, as an orphan has no one to report to.
const orphaned = (): void => {
  process.kill(process.pid, 'SIGKILL');
};

/**
 * The preparation message read synchronously: the parent writes it as it spawns this child, so
 * it is waiting in the socket (libuv leaves a child's end of a stdio socket blocking). No event
 * loop turn, no watcher before the target starts. Stops early when the channel is non-blocking
 * and empty (EAGAIN): the rest then arrives through the watcher. Not on Windows, where fd 3 is a
 * named pipe libuv opened for overlapped I/O (a synchronous read of it is not defined).
 */
function readPreparation(): void {
  if (process.platform === 'win32') return;
  const buffer = Buffer.allocUnsafe(65_536);
  while (!prepared) {
    let n: number;
    try {
      n = readSync(CHANNEL, buffer);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return;
      return orphaned();
    }
    if (n === 0) return orphaned();
    onData(Buffer.from(buffer.subarray(0, n)));
  }
}

// Watch the channel: for the rest of the message if it did not come whole, then for the parent's
// end. Prepared, it must not keep this child alive.
function watchChannel(): void {
  const native = loadNative();
  if (native !== null) {
    // With the addon: a poll on the channel and recv(2), without loading node:net.
    // One recv(2) per wake-up (the poll is level-triggered): the channel may be a blocking socket.
    const watcher = native.watchReadable(CHANNEL, () => {
      let got: { data: Buffer } | null;
      try {
        got = native.recvFds(CHANNEL, 65_536);
      } catch {
        return orphaned();
      }
      if (got === null) return;
      if (got.data.length === 0) return orphaned();
      onData(got.data);
      if (prepared) watcher.unref();
    });
    if (prepared) watcher.unref();
    return;
  }
  void import('node:net').then(({ Socket }) => {
    const channel = new Socket({ fd: CHANNEL, readable: true, writable: true });
    channel.on('error', () => undefined);
    channel.on('data', (chunk: Buffer) => {
      onData(chunk);
      if (prepared) channel.unref();
    });
    channel.on('end', orphaned);
    channel.on('close', orphaned);
    if (prepared) channel.unref();
  });
}

readPreparation();
if (prepared) {
  // The watch of the parent's end is set up from the first turn of the loop that has something
  // else to do (an unref'd timer): a target that ends at once never pays for it (loading the
  // addon, ~2-5 ms of a child's start here); one that runs on is watched from its first turn.
  setTimeout(watchChannel, 0).unref();
} else {
  watchChannel();
}
