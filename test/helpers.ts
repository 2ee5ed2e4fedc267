// Shared test helpers: which start methods to cover, temp paths, waiting on events (a file
// appearing, a process disappearing) with a deadline instead of fixed sleeps, and a registry
// that kills whatever a test leaked.
import { spawn, type SpawnOptions } from 'node:child_process';
import { joinOrExplain } from './diagnose.ts';
import { existsSync, mkdtempSync, readFileSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { getAllStartMethods, type Process, type StartMethod } from '../src/index.ts';
import { describeProcessTree, killProcessTree } from './diagnose.ts';

/** Start methods this platform offers that this test process may use (fork needs --single-threaded). */
export function testedMethods(): StartMethod[] {
  return getAllStartMethods().filter((method) => method !== 'fork' || process.execArgv.includes('--single-threaded'));
}

const dir = mkdtempSync(join(tmpdir(), 'multiproc-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

/** A fresh path in this test file's temp directory. */
export function tempPath(label = 'file'): string {
  return join(dir, `${label}-${++counter}`);
}

/** Resolves when `path` exists (fs.watch on its directory), or rejects after `timeoutMs`. */
export function waitForFile(path: string, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (existsSync(path)) return resolve();
    const parent = path.slice(0, path.lastIndexOf('/'));
    const watcher = watch(parent, () => {
      if (existsSync(path)) done(null);
    });
    const timer = setTimeout(() => done(new Error(`timed out waiting for ${path}`)), timeoutMs);
    function done(error: Error | null): void {
      clearTimeout(timer);
      watcher.close();
      if (error === null) resolve();
      else reject(error);
    }
    if (existsSync(path)) done(null);
  });
}

/** Read and parse a JSON file. */
export function readJson<T = any>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** True while `pid` exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** True if `pid` is a zombie (ended, not reaped). */
export function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/** Resolves once `pid` has ended (checked on a short interval, bounded by a deadline). */
export async function waitForExit(pid: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) throw new Error(`pid ${pid} still runs after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const tracked = new Set<Process>();
const trackedPids = new Set<number>();

/** Register a Process (or a pid) to be killed after the tests if it still runs. */
export function track<T extends Process>(process: T): T {
  tracked.add(process);
  return process;
}

/**
 * Join every child (in whatever order they end); their exit codes, in the order given. One that
 * has not ended within `timeoutMs` fails the test with its process tree (test/diagnose.ts).
 */
export async function joinAll(children: readonly Process[], timeoutMs = 120_000): Promise<(number | null)[]> {
  return Promise.all(children.map((child) => joinOrExplain(child, timeoutMs)));
}

/**
 * Whether `promise` is still pending after the event loop ran `turns` ticks of a timer: the
 * loop kept turning while it waited (a blocked loop never gets there: the test times out).
 */
export async function pendingAfterTurns(promise: Promise<unknown>, turns: number): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise<void>((resolve) => {
    let ticks = 0;
    const timer = setInterval(() => {
      if (++ticks < turns) return;
      clearInterval(timer);
      resolve();
    }, 5);
  });
  return !settled;
}

export function trackPid(pid: number): void {
  trackedPids.add(pid);
}

after(async () => {
  for (const process of tracked) {
    try {
      if (process.isAlive()) {
        process.kill();
        await process.join();
      }
    } catch {
      // closed or never started
    }
  }
  for (const pid of trackedPids) {
    if (pid <= 1) continue; // never signal a process group or init
    try {
      globalThis.process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/**
 * Run a node script and collect its output. By default with this test process's options
 * (--single-threaded, TypeScript compiled in-thread: fork works, no top-level await); with
 * `asUser`, the way the README runs examples: `node --import tsx` (tsx's ESM loader). A script
 * (or a process holding its output) still running after `deadlineMs` (default 150 s) fails the
 * call with its output and process tree (test/diagnose.ts), the tree killed.
 */
export function runScript(
  script: string,
  args: string[] = [],
  options: SpawnOptions & { onLine?: (line: string, pid: number) => void; asUser?: boolean; deadlineMs?: number } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; pid: number }> {
  return new Promise((resolve, reject) => {
    const nodeArgs = options.asUser === true ? ['--import', 'tsx'] : process.execArgv.filter((a) => !a.startsWith('--test'));
    const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...options,
    });
    const pid = child.pid ?? 0;
    trackPid(pid);
    let stdout = '';
    let stderr = '';
    const deadlineMs = options.deadlineMs ?? 150_000;
    const timer = setTimeout(() => {
      const tree = pid > 0 ? describeProcessTree(pid) : '';
      if (pid > 0) killProcessTree(pid);
      const state = exited ?? 'still running'; // exited: an orphan (not in the tree) holds its stdout or stderr open
      reject(
        new Error(
          `${script} did not finish within ${deadlineMs} ms (${state}); its processes:\n${tree}\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, deadlineMs);
    let exited: string | undefined;
    child.on('exit', (code, signal) => (exited = `exited with ${code ?? signal}`));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (options.onLine) for (const line of chunk.split('\n')) if (line !== '') options.onLine(line, pid);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, pid });
    });
  });
}
