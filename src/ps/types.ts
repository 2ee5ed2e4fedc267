// The public shapes of `multiproc ps` / `listProcesses()`: one node per process, trees rooted at
// each main process. These are also the JSON schema of `multiproc ps --json` (see format-json.ts).

/** How a multiproc child was started; `null` when it cannot be told (zombie, orphan). */
export type PsStartMethod = 'spawn' | 'fork' | 'forkserver';

/**
 * What a node is: the user's script (`main`), the process that adopted orphans when the main is
 * gone (`reaper`: init or a subreaper), or a multiproc child by its title.
 */
export type PsRole = 'main' | 'reaper' | 'process' | 'forkserver' | 'pool-worker';

/** One process as `multiproc ps` shows it. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  /** The name from the title (`Process-1:2`); for a main or reaper, its command line. */
  name: string;
  role: PsRole;
  startMethod: PsStartMethod | null;
  /** Kernel state letter: R running, S sleeping, D disk wait, Z zombie, T stopped, t traced, I idle … */
  state: string;
  /** Percent of one CPU: lifetime average, or since the previous refresh in watch mode. */
  cpuPercent: number;
  /** Resident set size in bytes (0 for a zombie). */
  rssBytes: number;
  /** Milliseconds since the process started. */
  ageMs: number;
  /** Start time in clock ticks after boot: with `pid`, identifies the process across refreshes. */
  startTicks: number;
  threads: number;
  /** Syscall name from /proc/PID/syscall, `running` when on a CPU; null if not readable or none. */
  syscall: string | null;
  /** The raw syscall number, when the process is blocked in one. */
  syscallNr: number | null;
  /** Kernel function it sleeps in (/proc/PID/wchan), e.g. `do_epoll_wait`; null when running. */
  wchan: string | null;
  /**
   * Best answer to "what is it waiting in": `syscall`, else a syscall guessed from `wchan`
   * (when /proc/PID/syscall is refused, e.g. under Yama ptrace_scope ≥ 1), else null.
   */
  waitingIn: string | null;
  /** True when `waitingIn` was guessed from `wchan` rather than read from /proc/PID/syscall. */
  waitingGuessed: boolean;
  /** Exited but not yet reaped by its parent. */
  zombie: boolean;
  /** Its parent died and it was adopted by init or a subreaper. */
  orphan: boolean;
}

/** A process and the multiproc children it started. */
export interface ProcNode extends ProcInfo {
  children: ProcNode[];
}

/** A tree of multiproc processes; the root is the main process (or the reaper of orphans). */
export type ProcTree = ProcNode;
