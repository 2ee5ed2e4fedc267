// Real processes for ps tests: start the fixtures, wait for their ready lines, and kill and reap
// everything afterwards (zombies included, through a subreaper: see startUnderReaper).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURE = fileURLToPath(new URL('../fixtures/ps/tree.mjs', import.meta.url));
export const PAD = 'x'.repeat(64);

/** Lines a child prints on stdout, as an async queue. */
export class Lines {
  #lines: string[] = [];
  #waiters: Array<(line: string | null) => void> = [];
  #ended = false;

  constructor(child: ChildProcess) {
    let buffered = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      buffered += chunk;
      let end;
      while ((end = buffered.indexOf('\n')) >= 0) {
        this.#push(buffered.slice(0, end));
        buffered = buffered.slice(end + 1);
      }
    });
    child.stdout!.on('end', () => {
      this.#ended = true;
      for (const waiter of this.#waiters.splice(0)) waiter(null);
    });
  }

  #push(line: string): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(line);
    else this.#lines.push(line);
  }

  /** The next line; null once stdout ended. */
  next(): Promise<string | null> {
    const line = this.#lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The next line matching `pattern` (earlier ones are dropped); throws when stdout ends first. */
  async find(pattern: RegExp): Promise<RegExpExecArray> {
    for (;;) {
      const line = await this.next();
      if (line === null) throw new Error(`stdout ended before a line matching ${pattern}`);
      const match = pattern.exec(line);
      if (match) return match;
    }
  }
}

/** Resolves when the child has exited and been reaped. */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** True while /proc/PID exists (alive or zombie). */
export function exists(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

/** Send SIGKILL, ignoring a process already gone. */
export function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Pids of every descendant of `root` now (from the ppid in each /proc/PID/stat). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const walk = (pid: number): void => {
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}

/**
 * Kill everything below a reaper started by startUnderReaper, and wait until it has reaped it all
 * and exited. Each `reaped` line is the event to sweep again (for anything started meanwhile).
 */
export async function killUnderReaper(reaper: ChildProcess, lines: Lines): Promise<void> {
  const done = exited(reaper).then(() => 'exited' as const);
  for (;;) {
    for (const pid of descendants(reaper.pid!)) kill(pid);
    const event = await Promise.race([done, lines.next()]);
    if (event === 'exited') return;
    if (event === null) break; // its stdout ended: it is exiting
  }
  await done;
}

/** Python 3 is used as a reaping subreaper; tests needing it skip without it. */
export const HAS_PYTHON = spawnSync('python3', ['-c', 'import ctypes'], { stdio: 'ignore' }).status === 0;

// A child subreaper that reaps everything below it and prints `reaped PID`; it exits once no
// descendant is left. Zombies and orphans made by the fixtures end up here, not at an init that
// might never reap them.
const REAPER = `
import ctypes, os, subprocess, sys
if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:
    sys.exit(3)
subprocess.Popen(sys.argv[1:])
while True:
    try:
        pid, _ = os.waitpid(-1, 0)
    except ChildProcessError:
        break
    print(f"reaped {pid}", flush=True)
`;

/** Start `argv` below a reaping subreaper; stdout of both comes through `lines`. */
export function startUnderReaper(argv: string[], env: NodeJS.ProcessEnv = process.env): { reaper: ChildProcess; lines: Lines } {
  const reaper = spawn('python3', ['-c', REAPER, ...argv], { stdio: ['ignore', 'pipe', 'inherit'], env });
  return { reaper, lines: new Lines(reaper) };
}

/** Start a titled fixture process sleeping in a timer, as a spawn child of this process. */
export async function startSleeper(name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [FIXTURE, 'sleep', name, PAD], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, MULTIPROC_SPAWN_PARENT: String(process.pid) },
  });
  await new Lines(child).find(/^in$/);
  return child;
}

/** The state letter of a live pid (from /proc/PID/stat), or null when it is gone. */
export function stateOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}
