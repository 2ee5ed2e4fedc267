// The resource tracker (Python's multiprocessing.resource_tracker): removes the shared memory
// segments and the unix sockets of Listeners (with the private directories made for them) that
// a process created and did not remove before it ended, normally or by a crash (SIGKILL
// included). Paths are removed in reverse order, so a socket goes before its directory.
//
// It is a tiny `sh` + `awk` process, started on the first registration and holding the read end
// of a pipe whose write end only this process has (close-on-exec, so spawned processes do not
// inherit it). Lines `R<path>` register, `U<path>` unregister. When this process ends, the pipe
// reaches EOF and the tracker removes what is still registered, then exits. About 1 MB and a
// couple of milliseconds, once per process that creates segments; nothing at all otherwise. It
// runs in its own session and ignores SIGINT/SIGTERM/SIGHUP, so Ctrl-C on the terminal or a
// signal to the process group does not stop it before it has cleaned up.
//
// A forked child does not share its parent's tracker (it closes its copy of the pipe): what a
// process creates is removed when *that* process ends, under every start method.
import { spawn } from 'node:child_process';
import { writeSync } from 'node:fs';
import { loadNative, type NativeBinding } from '../native/binding.ts';
import { registerAfterFork } from '../os/child.ts';

const SCRIPT = `trap '' INT TERM HUP QUIT PIPE
awk '
  substr($0, 1, 1) == "R" { live[substr($0, 2)] = 1; next }
  substr($0, 1, 1) == "U" { delete live[substr($0, 2)]; next }
  END { for (path in live) print path }
' | sort -r | while IFS= read -r path; do
  if [ -d "$path" ]; then
    rmdir -- "$path" 2>/dev/null
  elif [ -S "$path" ]; then
    rm -f -- "$path" 2>/dev/null && echo "multiproc: removed the unix socket $path: the process that created it ($1) ended without closing its Listener." >&2
  elif rm -f -- "$path" 2>/dev/null; then
    echo "multiproc: removed the shared memory segment \${path##*/}: the process that created it ($1) ended without unlinking it." >&2
  fi
done`;

interface Tracker {
  fd: number;
  pid: number;
}

let tracker: Tracker | null = null;
const registered = new Set<string>();

/** Have `path` removed when this process ends, unless unregistered before. */
export function registerResource(path: string): void {
  registered.add(path);
  send(`R${path}\n`);
}

/** Forget `path` (it was unlinked, or is no longer this process's to clean up). */
export function unregisterResource(path: string): void {
  if (!registered.delete(path)) return;
  send(`U${path}\n`);
}

/** The tracker's pid, or null when it was not needed yet (for tests and `multiproc ps`). */
export function trackerPid(): number | null {
  return tracker?.pid ?? null;
}

function send(line: string): void {
  const native = loadNative();
  if (native === null) return;
  for (let attempt = 0; attempt < 2; attempt++) {
    const current = (tracker ??= start(native));
    if (current === null) return;
    try {
      writeSync(current.fd, line);
      return;
    } catch {
      // The tracker is gone (killed?): start another and register everything again.
      closeQuietly(native, current.fd);
      tracker = null;
      line = [...registered].map((path) => `R${path}\n`).join('');
      if (line === '') return;
    }
  }
}

function start(native: NativeBinding): Tracker | null {
  const [readEnd, writeEnd] = native.pipe();
  try {
    const child = spawn('/bin/sh', ['-c', SCRIPT, 'multiproc-resource-tracker', String(process.pid)], {
      stdio: [readEnd, 'ignore', 'inherit'],
      detached: true,
      windowsHide: true,
    });
    child.on('error', () => undefined);
    child.unref();
    if (child.pid === undefined) {
      closeQuietly(native, writeEnd);
      return null;
    }
    return { fd: writeEnd, pid: child.pid };
  } catch {
    closeQuietly(native, writeEnd);
    return null;
  } finally {
    closeQuietly(native, readEnd);
  }
}

function closeQuietly(native: NativeBinding, fd: number): void {
  try {
    native.close(fd);
  } catch {
    // already closed
  }
}

registerAfterFork(() => {
  // The parent's tracker and registrations stay the parent's.
  const native = loadNative();
  if (tracker !== null && native !== null) closeQuietly(native, tracker.fd);
  tracker = null;
  registered.clear();
});
