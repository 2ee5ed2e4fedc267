// `multiproc ps [--json] [--watch] [--pid N] [--interval MS] [--all-users]`: the tree of live
// multiproc processes, what each is waiting in, once or refreshed in place like top.
import { formatJson, JSON_SCHEMA_SUMMARY } from '../ps/format-json.ts';
import { formatTrees } from '../ps/format-text.ts';
import { listProcesses, watchProcesses } from '../ps/list.ts';
import type { ProcSource } from '../ps/proc-source.ts';
import type { ProcTree } from '../ps/types.ts';

/** Where psCommand writes and what it reads from; tests replace these. */
export interface PsIo {
  stdout: { write(text: string): unknown; isTTY?: boolean | undefined };
  stderr: { write(text: string): unknown };
  /** Read processes through this instead of /proc. */
  source?: ProcSource | undefined;
  /** Ends --watch (besides SIGINT/SIGTERM). */
  signal?: AbortSignal | undefined;
}

/** Usage text of `multiproc ps --help`. */
export const PS_USAGE = `Usage: multiproc ps [--json] [--watch] [--pid N] [--interval MS] [--all-users]

Show the tree of live multiproc processes (yours), rooted at each main process, and what
each one is waiting in. Reads /proc only: no ptrace, no root needed for your own processes.

Options:
  --json          print a JSON array of trees instead of the table
  --watch         refresh every interval until Ctrl+C (in place on a terminal; otherwise
                  successive snapshots; with --json one JSON array per line)
  --pid N         only the tree that contains pid N (its main or any process in it)
  --interval MS   milliseconds between refreshes with --watch (default 1000)
  --all-users     every user's multiproc processes, not only yours
  -h, --help      show this help

Columns:
  PID PPID  process and parent ids
  S         state: R running, S sleeping, D uninterruptible, Z zombie, T stopped, t traced
  %CPU      lifetime average (like ps); with --watch, since the previous refresh (like top)
  RSS       resident memory (K, M, G)
  AGE       time since it started, [[d-]hh:]mm:ss
  METHOD    how it was started: spawn, fork, forkserver (? when it cannot be told, as
            for a zombie or an orphan; - for a main and for the fork server itself)
  SYSCALL   the syscall it is blocked in (/proc/PID/syscall), "running" when on a CPU;
            in parentheses when guessed from WCHAN because /proc/PID/syscall is refused
  WCHAN     the kernel function it sleeps in (/proc/PID/wchan)
  NAME      its name from process.title ("multiproc: <name>"); a root shows the main's
            command line; flags: <zombie> exited but not reaped, <orphan> its parent died,
            <reaper: adopted orphans> init or a subreaper holding orphans

JSON (--json), one object per process, children nested:
  ${JSON_SCHEMA_SUMMARY}
  role: main | reaper | process | forkserver | pool-worker; startMethod: spawn | fork |
  forkserver | null; rssBytes and ageMs are numbers; syscall/wchan/waitingIn may be null.

Exit status: 0 (also when nothing runs), 1 if --pid matches no tree or /proc cannot be
read, 2 for a bad option.
`;

interface PsArgs {
  json: boolean;
  watch: boolean;
  help: boolean;
  allUsers: boolean;
  pid: number | undefined;
  intervalMs: number;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): PsArgs {
  const args: PsArgs = { json: false, watch: false, help: false, allUsers: false, pid: undefined, intervalMs: 1000 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`option '${flag}' needs a value`);
      return v;
    };
    const noValue = (): void => {
      if (inline !== undefined) throw new UsageError(`option '${flag}' takes no value`);
    };
    switch (flag) {
      case '--json':
        noValue();
        args.json = true;
        break;
      case '--watch':
        noValue();
        args.watch = true;
        break;
      case '--all-users':
        noValue();
        args.allUsers = true;
        break;
      case '-h':
      case '--help':
        noValue();
        args.help = true;
        break;
      case '--pid': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) <= 0) throw new UsageError(`option '--pid' expects a positive integer, got '${v}'`);
        args.pid = Number(v);
        break;
      }
      case '--interval': {
        const v = value();
        const ms = Number(v);
        if (!/^\d+(\.\d+)?$/.test(v) || !(ms > 0))
          throw new UsageError(`option '--interval' expects a positive number of milliseconds, got '${v}'`);
        args.intervalMs = ms;
        break;
      }
      default:
        throw new UsageError(flag.startsWith('-') ? `unknown option '${flag}'` : `unexpected argument '${arg}'`);
    }
  }
  return args;
}

function render(trees: ProcTree[], args: PsArgs, compactJson: boolean): string {
  if (args.json) return formatJson(trees, compactJson);
  if (trees.length > 0) return formatTrees(trees);
  return args.pid === undefined ? 'no multiproc processes running' : `no multiproc process tree contains pid ${args.pid}`;
}

async function watch(args: PsArgs, io: PsIo, options: Parameters<typeof watchProcesses>[0]): Promise<void> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  // Ctrl+C, a kill, or the reader of a pipe going away (`multiproc ps --watch | head`) end it.
  const onWriteError = (error: NodeJS.ErrnoException): void => {
    if (error.code === 'EPIPE') stop();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (io.stdout === process.stdout) process.stdout.on('error', onWriteError);
  io.signal?.addEventListener('abort', stop, { once: true });
  if (io.signal?.aborted === true) stop();
  const tty = io.stdout.isTTY === true;
  try {
    for await (const trees of watchProcesses({ ...options, intervalMs: args.intervalMs, signal: controller.signal })) {
      if (args.json) {
        io.stdout.write(`${render(trees, args, true)}\n`);
        continue;
      }
      const header = `multiproc ps — every ${args.intervalMs}ms — ${new Date().toLocaleTimeString()}` + (tty ? ' — Ctrl+C to quit' : '');
      // Clear and home on a terminal; successive snapshots separated by a blank line otherwise.
      io.stdout.write(tty ? `\x1b[H\x1b[2J${header}\n${render(trees, args, false)}\n` : `${header}\n${render(trees, args, false)}\n\n`);
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (io.stdout === process.stdout) process.stdout.off('error', onWriteError);
    io.signal?.removeEventListener('abort', stop);
  }
}

function ignoreEpipe(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE') throw error;
}

/** Run `multiproc ps` with the arguments after `ps`; resolves to the exit code. */
export async function psCommand(argv: string[], io: PsIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let args: PsArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`multiproc ps: ${error.message}\nRun 'multiproc ps --help' for usage.\n`);
    return 2;
  }
  if (args.help) {
    io.stdout.write(PS_USAGE);
    return 0;
  }
  const options = { pid: args.pid, allUsers: args.allUsers, source: io.source };
  try {
    if (args.watch) {
      await watch(args, io, options);
      return 0;
    }
    const trees = await listProcesses(options);
    // `multiproc ps | head -1`: the reader may be gone before the write completes.
    if (io.stdout === process.stdout) process.stdout.on('error', ignoreEpipe);
    io.stdout.write(`${render(trees, args, false)}\n`);
    return args.pid !== undefined && trees.length === 0 ? 1 : 0;
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    io.stderr.write(
      `multiproc ps: cannot read processes: ${err.message}\n` + (process.platform === 'linux' ? '' : 'multiproc ps needs Linux /proc.\n'),
    );
    return 1;
  }
}
