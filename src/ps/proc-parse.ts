// Parsers for the /proc/PID files ps reads. Pure functions of the file text, see proc(5).

/** The fields of /proc/PID/stat that ps uses. */
export interface StatFields {
  pid: number;
  /** Task name, at most 15 bytes (the kernel truncates; libuv sets it from process.title). */
  comm: string;
  state: string;
  ppid: number;
  pgid: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  threads: number;
  /** Start time in clock ticks after boot. */
  startTicks: number;
}

/** Parse /proc/PID/stat; null when the text is not a stat line. */
export function parseStat(text: string): StatFields | null {
  // comm may contain spaces and parentheses: it ends at the LAST ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const num = (i: number): number => Number(rest[i]);
  const fields: StatFields = {
    pid: Number(text.slice(0, open)),
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '?',
    ppid: num(1),
    pgid: num(2),
    cpuTicks: num(11) + num(12),
    threads: num(17),
    startTicks: num(19),
  };
  return Number.isInteger(fields.pid) && Number.isFinite(fields.startTicks) ? fields : null;
}

/** The fields of /proc/PID/status that ps uses. */
export interface StatusFields {
  /** Real uid; null if absent. */
  uid: number | null;
  /** VmRSS in bytes (0 when absent, as for a zombie or kernel thread). */
  rssBytes: number;
}

/** Parse /proc/PID/status. */
export function parseStatus(text: string): StatusFields {
  const uid = /^Uid:\s+(\d+)/m.exec(text);
  const rss = /^VmRSS:\s+(\d+)\s*kB/m.exec(text);
  return {
    uid: uid?.[1] === undefined ? null : Number(uid[1]),
    rssBytes: rss?.[1] === undefined ? 0 : Number(rss[1]) * 1024,
  };
}

/** /proc/PID/cmdline as one string: NUL-separated arguments joined by spaces, padding dropped. */
export function parseCmdline(text: string): string {
  return text
    .split('\0')
    .filter((part) => part !== '')
    .join(' ')
    .trim();
}

/** The value of `name` in /proc/PID/environ (NUL-separated NAME=value), or undefined. */
export function readEnvVar(environ: string, name: string): string | undefined {
  const prefix = `${name}=`;
  for (const entry of environ.split('\0')) if (entry.startsWith(prefix)) return entry.slice(prefix.length);
  return undefined;
}

/** What /proc/PID/syscall says: on a CPU, blocked in syscall `nr`, or blocked outside one. */
export type SyscallState = { kind: 'running' } | { kind: 'syscall'; nr: number } | { kind: 'none' };

/** Parse /proc/PID/syscall: `running`, `NR arg… sp pc`, or `-1 sp pc` (blocked, no syscall). */
export function parseSyscall(text: string): SyscallState {
  const first = text.trim().split(/\s+/)[0] ?? '';
  if (first === 'running') return { kind: 'running' };
  const nr = Number(first);
  if (first === '' || !Number.isInteger(nr) || nr < 0) return { kind: 'none' };
  return { kind: 'syscall', nr };
}

/** Parse /proc/PID/wchan: a kernel symbol, or null (`0` or empty means not sleeping). */
export function parseWchan(text: string): string | null {
  const symbol = text.trim();
  return symbol === '' || symbol === '0' ? null : symbol;
}

/** The prefix every multiproc child puts in its title. */
export const TITLE_PREFIX = 'multiproc:';

/**
 * The multiproc name of a process from its cmdline (which process.title overwrites) or, when the
 * cmdline is empty (a zombie), its comm. Null when it is not a multiproc process. libuv can only
 * write the title into the original argv space, and comm holds 15 bytes, so names may be cut
 * short: a name from a full-length comm ends with `…`, an empty one is `?`.
 */
export function multiprocName(cmdline: string, comm: string): string | null {
  if (cmdline !== '') {
    if (!cmdline.startsWith(TITLE_PREFIX)) return null;
    return cmdline.slice(TITLE_PREFIX.length).trim() || '?';
  }
  if (!comm.startsWith(TITLE_PREFIX)) return null;
  const name = comm.slice(TITLE_PREFIX.length).trim();
  if (name === '') return '?';
  return comm.length >= 15 ? `${name}…` : name;
}
