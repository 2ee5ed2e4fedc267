// One pass over /proc: the stat and cmdline of every process (to find multiproc processes and
// their ancestors), then the details of the few that will be shown. A process that exits while
// it is being read (ENOENT/ESRCH) is dropped, never an error.
import { isDeniedError, isGoneError, type ProcSource } from './proc-source.ts';
import {
  multiprocName,
  parseCmdline,
  parseStat,
  parseStatus,
  parseSyscall,
  parseWchan,
  readEnvVar,
  type StatFields,
  type SyscallState,
} from './proc-parse.ts';

/** The environment variable a `spawn`-started child carries: the pid that spawned it. */
export const SPAWN_PARENT_ENV = 'MULTIPROC_SPAWN_PARENT';
/** What the fork server (and so its children) carry: the main that started it. A hint only. */
export const FORKSERVER_PARENT_ENV = 'MULTIPROC_FORKSERVER_PARENT';

/** What is read for a process that will be shown (multiproc processes and their mains). */
export interface ProcDetail {
  uid: number | null;
  rssBytes: number;
  /** MULTIPROC_SPAWN_PARENT from the initial environment; null if absent, undefined if unreadable. */
  spawnParent: number | null | undefined;
  /** MULTIPROC_FORKSERVER_PARENT likewise. */
  forkserverParent: number | null | undefined;
  /** Null when /proc/PID/syscall could not be read (permission, or the mm is gone). */
  syscall: SyscallState | null;
  wchan: string | null;
}

/** One process of a snapshot. */
export interface ProcRecord {
  stat: StatFields;
  cmdline: string;
  /** Its multiproc name (from the title), or null when it is not a multiproc process. */
  name: string | null;
  /** Present for multiproc processes and the mains they hang from. */
  detail?: ProcDetail;
}

/** All processes at one moment. */
export interface Snapshot {
  uptimeSeconds: number;
  clockTicks: number;
  arch: string;
  procs: Map<number, ProcRecord>;
}

// The process is gone (its /proc/PID vanished).
const GONE = Symbol('gone');
type ReadResult = string | null | typeof GONE;

// Read a file: GONE when the process exited, null when we may not read it. With `esrchIsGone`
// false, ESRCH only means the file's data is gone (a zombie's environ or syscall), not the process.
async function tryRead(source: ProcSource, pid: number, file: string, esrchIsGone = true): Promise<ReadResult> {
  try {
    return await source.readProcFile(pid, file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (code === 'ENOENT' || (esrchIsGone && isGoneError(error))) return GONE;
    if (isGoneError(error) || isDeniedError(error)) return null;
    throw error;
  }
}

async function readBasic(source: ProcSource, pid: number): Promise<ProcRecord | null> {
  const statText = await tryRead(source, pid, 'stat');
  if (statText === GONE || statText === null) return null;
  const stat = parseStat(statText);
  if (stat === null) return null;
  const cmdText = await tryRead(source, pid, 'cmdline');
  if (cmdText === GONE) return null;
  const cmdline = cmdText === null ? '' : parseCmdline(cmdText);
  return { stat, cmdline, name: multiprocName(cmdline, stat.comm) };
}

// ESRCH on environ/syscall means the process is now a zombie (its mm is gone), not that it
// vanished: only ENOENT of the whole /proc/PID drops it.
async function readDetail(source: ProcSource, pid: number, multiproc: boolean): Promise<ProcDetail | null> {
  const statusText = await tryRead(source, pid, 'status');
  if (statusText === GONE) return null;
  const status = statusText === null ? { uid: null, rssBytes: 0 } : parseStatus(statusText);
  const environ = multiproc ? await tryRead(source, pid, 'environ', false) : null;
  const syscall = await tryRead(source, pid, 'syscall', false);
  const wchan = await tryRead(source, pid, 'wchan', false);
  if (environ === GONE || syscall === GONE || wchan === GONE) return null;
  const pidVar = (name: string): number | null | undefined => {
    if (environ === null) return undefined;
    const value = readEnvVar(environ, name);
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : null;
  };
  return {
    uid: status.uid,
    rssBytes: status.rssBytes,
    spawnParent: pidVar(SPAWN_PARENT_ENV),
    forkserverParent: pidVar(FORKSERVER_PARENT_ENV),
    syscall: syscall === null ? null : parseSyscall(syscall),
    wchan: wchan === null ? null : parseWchan(wchan),
  };
}

/** Read every process from `source`, with details for multiproc processes and their mains. */
export async function takeSnapshot(source: ProcSource): Promise<Snapshot> {
  const uptimeSeconds = await source.uptimeSeconds();
  const pids = await source.listPids();
  const procs = new Map<number, ProcRecord>();
  const basics = await Promise.all(pids.map((pid) => readBasic(source, pid)));
  for (const record of basics) if (record !== null) procs.set(record.stat.pid, record);

  // Multiproc processes, plus the first non-multiproc ancestor of each (its main).
  const wanted = new Set<number>();
  for (const [pid, record] of procs) {
    if (record.name === null) continue;
    wanted.add(pid);
    let parent = procs.get(record.stat.ppid);
    for (let hops = 0; parent !== undefined && parent.name !== null && hops < procs.size; hops++) {
      parent = procs.get(parent.stat.ppid);
    }
    if (parent !== undefined) wanted.add(parent.stat.pid);
  }
  await Promise.all(
    [...wanted].map(async (pid) => {
      const record = procs.get(pid);
      if (record === undefined) return;
      const detail = await readDetail(source, pid, record.name !== null);
      if (detail === null) procs.delete(pid);
      else record.detail = detail;
    }),
  );
  return { uptimeSeconds, clockTicks: source.clockTicks, arch: source.arch, procs };
}
