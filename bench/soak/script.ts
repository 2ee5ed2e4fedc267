// Starting a soak fixture as its own program: with this process's Node options (so TypeScript
// loads the same way and `fork` is allowed), a marker in its environment that every descendant
// inherits (proc.ts finds them by it), and the directory where its processes announce themselves.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A started fixture program. */
export interface Program {
  child: ChildProcess;
  marker: string;
  dir: string;
  /** Resolves with how the program ended. */
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Removes the announcement directory. */
  cleanUp(): void;
}

let counter = 0;

/** Starts `bench/soak/fixtures/<name>` with `args` after the announcement directory; `group`: in a process group of its own. */
export function startProgram(name: string, args: string[], group = false): Program {
  const marker = `MULTIPROC_SOAK=${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 10)}`;
  const dir = mkdtempSync(join(tmpdir(), 'multiproc-soak-'));
  const script = fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
  const nodeOptions = process.execArgv.filter((option) => !option.startsWith('--test'));
  const child = spawn(process.execPath, [...nodeOptions, script, dir, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: group,
    env: { ...process.env, MULTIPROC_SOAK: marker.slice('MULTIPROC_SOAK='.length), ESBUILD_WORKER_THREADS: '0' },
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  return { child, marker, dir, ended, cleanUp: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Resolves with the pids announced in `dir` once there are `count` (fs.watch), or what is there after `timeoutMs`. */
export function announced(dir: string, count: number, timeoutMs: number): Promise<number[]> {
  return new Promise((resolve) => {
    const list = () => readdirSync(dir).map(Number);
    const done = () => {
      clearTimeout(timer);
      watcher.close();
      resolve(list());
    };
    const watcher = watch(dir, () => {
      if (list().length >= count) done();
    });
    const timer = setTimeout(done, timeoutMs);
    if (list().length >= count) done();
  });
}
