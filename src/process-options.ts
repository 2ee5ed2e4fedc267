// The child_process-like options of a Process (env, cwd, execArgv, stdio): checked once, at
// construction, in the house format; what depends on the start method is checked at start().
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StartMethodError } from './errors.ts';
import { rangeError, typeError } from './options.ts';
import type { StartMethod } from './start-methods.ts';

/** Where a child's stdout and stderr go: the parent's (default), `p.stdout`/`p.stderr` streams, or /dev/null. */
export type StdioOption = 'inherit' | 'pipe' | 'ignore';

/** The options as given to `new Process()`. */
export interface ChildOptionsInput {
  /** The child's whole environment (as child_process's `env`: it replaces, it does not merge). Default: the parent's. */
  env?: Record<string, string | undefined>;
  /** The child's working directory, resolved against the parent's at start(). Default: the parent's. */
  cwd?: string | URL;
  /** Node.js options of a spawned child; replaces the inherited ones (default: the parent's execArgv). spawn only. */
  execArgv?: string[];
  /** Where the child's stdout and stderr go (stdin is always /dev/null). Default 'inherit'. */
  stdio?: StdioOption;
}

/** The options once checked. */
export interface ChildOptions {
  env: Record<string, string> | null;
  cwd: string | null;
  execArgv: string[] | null;
  stdio: StdioOption;
}

const STDIO: readonly StdioOption[] = ['inherit', 'pipe', 'ignore'];

/** Check and copy the child options of `new Process(options)`. */
export function normalizeChildOptions(options: ChildOptionsInput): ChildOptions {
  const { env, cwd, execArgv, stdio } = options as Record<string, unknown>;
  let envCopy: Record<string, string> | null = null;
  if (env !== undefined && env !== null) {
    if (typeof env !== 'object' || Array.isArray(env)) typeError('env', 'an object of strings', env);
    envCopy = {};
    for (const [key, value] of Object.entries(env)) {
      if (value === undefined) continue;
      if (typeof value !== 'string') typeError(`env.${key}`, 'a string (or undefined to leave it out)', value);
      if (key.includes('=') || key.includes('\0') || key === '')
        rangeError('env', 'an object whose keys are variable names (no `=` or NUL)', key);
      envCopy[key] = value;
    }
  }
  let cwdPath: string | null = null;
  if (cwd !== undefined && cwd !== null) {
    if (cwd instanceof URL) cwdPath = fileURLToPath(cwd);
    else if (typeof cwd === 'string' && cwd !== '') cwdPath = cwd;
    else typeError('cwd', 'a directory path (string or file: URL)', cwd);
  }
  let argv: string[] | null = null;
  if (execArgv !== undefined && execArgv !== null) {
    if (!Array.isArray(execArgv)) typeError('execArgv', 'an array of strings', execArgv);
    execArgv.forEach((arg: unknown, i) => {
      if (typeof arg !== 'string') typeError(`execArgv[${i}]`, 'a string', arg);
    });
    argv = [...(execArgv as string[])];
  }
  if (stdio !== undefined && !STDIO.includes(stdio as StdioOption)) {
    (typeof stdio === 'string' ? rangeError : typeError)('stdio', "one of 'inherit', 'pipe', 'ignore'", stdio);
  }
  return { env: envCopy, cwd: cwdPath, execArgv: argv, stdio: (stdio as StdioOption | undefined) ?? 'inherit' };
}

/**
 * At start(): refuse what the start method cannot do, and resolve `cwd` (it must exist now).
 * Returns the options with `cwd` absolute.
 */
export function childOptionsForStart(options: ChildOptions, method: StartMethod, name: string): ChildOptions {
  if (options.execArgv !== null && method !== 'spawn') {
    throw new StartMethodError(
      `${name} has \`execArgv\`, which only the 'spawn' start method can apply: a ${method === 'fork' ? 'forked' : 'fork-server'} ` +
        `child is a copy of a Node.js that is already running, whose options cannot change. Use getContext('spawn').Process for it, or drop \`execArgv\`.`,
      { startMethod: method },
    );
  }
  if (options.cwd === null) return options;
  const cwd = resolve(options.cwd);
  let isDirectory = false;
  try {
    isDirectory = statSync(cwd).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) rangeError('cwd', 'an existing directory', cwd);
  return { ...options, cwd };
}
