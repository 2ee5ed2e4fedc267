// `multiproc run FILE [args…]`: run a script in a process that may fork, that is one started
// with `--single-threaded` (see src/os/fork.ts). TypeScript files get tsx's
// CommonJS hook plus multiproc's in-thread preload instead of tsx's ESM loader, whose hooks
// thread would be missing in a forked child (docs/DECISIONS.md, "TypeScript under fork").
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { inThreadTsOptions, TS_FILE, withoutTsx } from '../loading/typescript.ts';

const INSPECTOR_FLAG = /^--(inspect|inspect-brk|inspect-wait|inspect-port|inspect-publish-uid|debug-port)(=|$)/;
const SEPARATE_VALUE = new Set(['--inspect-port', '--debug-port', '--inspect-publish-uid']);
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

const usage = `Usage: multiproc run FILE [args…]

Run FILE (.js, .mjs, .cjs, .ts …) with node --single-threaded, so that it may fork() (the 'fork'
start method, multiproc/os). TypeScript is compiled in the main thread with tsx (installed
beside multiproc), as CommonJS: no top-level await in .ts files run this way. The script's
exit code (or signal) becomes this command's.`;
const seeHelp = "Run 'multiproc run --help' for usage.";

/** This process's execArgv minus inspector flags and tsx loader flags (re-added the safe way). */
export function forwardedExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  const kept = withoutTsx(execArgv);
  for (let i = 0; i < kept.length; i++) {
    const arg = kept[i]!;
    if (INSPECTOR_FLAG.test(arg)) {
      if (!arg.includes('=') && SEPARATE_VALUE.has(arg)) i++;
      continue;
    }
    if (arg === '--single-threaded') continue;
    out.push(arg);
  }
  return out;
}

/** The node arguments that run `script` so that it may fork. */
export function runArguments(script: string, args: readonly string[], execArgv: readonly string[] = process.execArgv): string[] {
  const node = ['--single-threaded', ...forwardedExecArgv(execArgv)];
  if (TS_FILE.test(script)) {
    const inThread = inThreadTsOptions(script);
    if (inThread === null)
      throw new Error(`multiproc run: '${script}' is TypeScript, which needs tsx: install it with 'npm install --save-dev tsx'.`);
    node.push(...inThread);
  }
  return [...node, script, ...args];
}

/** Run `multiproc run FILE [args…]`; resolves with the exit code (a child killed by signal N is re-raised, else 128+N). */
export async function runCommand(argv: string[]): Promise<number> {
  const [file, ...args] = argv;
  if (file === '--help' || file === '-h') {
    console.log(usage);
    return 0;
  }
  if (file === undefined) {
    console.error(`multiproc run: missing FILE, the script to run.\n${seeHelp}`);
    return 2;
  }
  const script = path.resolve(file);
  if (!existsSync(script)) {
    console.error(`multiproc run: file '${file}' does not exist.\n${seeHelp}`);
    return 2;
  }
  if (process.platform !== 'linux')
    console.error(`multiproc run: warning: fork() is available on Linux only (this is ${process.platform}).`);
  let nodeArgs: string[];
  try {
    nodeArgs = runArguments(script, args);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const child = spawn(process.execPath, nodeArgs, {
    stdio: 'inherit',
    env: { ...process.env, ESBUILD_WORKER_THREADS: '0' },
  });
  // A terminal's Ctrl+C reaches the whole process group, the child included; a signal sent to
  // this process alone is passed on.
  const relay = (signal: NodeJS.Signals) => {
    if (signal === 'SIGINT' && process.stdin.isTTY) return;
    child.kill(signal);
  };
  for (const signal of SIGNALS) process.on(signal, relay);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (c, s) => resolve([c, s]));
  }).finally(() => {
    for (const s of SIGNALS) process.off(s, relay);
  });
  if (signal !== null) {
    process.kill(process.pid, signal); // die the same way, so the shell sees it
    return 128 + (constants.signals[signal] ?? 0);
  }
  return code ?? 1;
}
