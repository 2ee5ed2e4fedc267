// Turning one snapshot record into what ps shows: role, start method, flags, CPU %, syscall.
import { syscallFromWchan, syscallName } from './syscall-names.ts';
import type { ProcRecord, Snapshot } from './snapshot.ts';
import type { ProcInfo, PsRole, PsStartMethod } from './types.ts';

/** What one refresh remembers for the next: CPU ticks (for CPU % deltas) and names. */
export interface CpuSample {
  uptimeSeconds: number;
  /** `${pid}:${startTicks}` → utime + stime. */
  ticks: Map<string, number>;
  /** `${pid}:${startTicks}` → full name, kept for when the process becomes a zombie (no cmdline). */
  names: Map<string, string>;
}

/** Key of a process across refreshes (pids are reused; pid + start time is not). */
export function sampleKey(pid: number, startTicks: number): string {
  return `${pid}:${startTicks}`;
}

/** The role a multiproc process has, from its name. */
export function roleFromName(name: string): PsRole {
  if (name === 'forkserver') return 'forkserver';
  if (/PoolWorker-\d+$/.test(name)) return 'pool-worker';
  return 'process';
}

/**
 * Adopted by init or a subreaper: its parent is gone or is pid 1, started after it (so cannot be
 * the one that started it), or is not multiproc while the environment names another starter
 * (MULTIPROC_SPAWN_PARENT, or for the fork server MULTIPROC_FORKSERVER_PARENT).
 */
export function isOrphan(record: ProcRecord, parent: ProcRecord | undefined): boolean {
  if (parent === undefined || record.stat.ppid === 1) return true;
  if (parent.stat.startTicks > record.stat.startTicks) return true;
  const starter = record.detail?.spawnParent ?? record.detail?.forkserverParent;
  return parent.name === null && typeof starter === 'number' && starter !== record.stat.ppid;
}

/**
 * How a multiproc child was started: its parent is the fork server → forkserver; it carries
 * MULTIPROC_SPAWN_PARENT equal to its parent's pid → spawn; otherwise fork. Null for the fork
 * server itself (not a Process), when the environment is unreadable (zombie) or when the
 * original parent is gone (orphan).
 */
export function startMethodOf(record: ProcRecord, parent: ProcRecord | undefined, orphan: boolean): PsStartMethod | null {
  if (orphan || record.name === 'forkserver') return null;
  if (parent?.name === 'forkserver') return 'forkserver';
  const spawnParent = record.detail?.spawnParent;
  if (spawnParent === undefined) return null;
  return spawnParent === record.stat.ppid ? 'spawn' : 'fork';
}

/** Everything ps shows about one process (role, method and orphan are decided by the caller). */
export function describeProcess(
  record: ProcRecord,
  snap: Snapshot,
  previous: CpuSample | undefined,
  extra: { name: string; role: PsRole; startMethod: PsStartMethod | null; orphan: boolean },
): ProcInfo {
  const { stat, detail } = record;
  const hz = snap.clockTicks;
  const ageSeconds = Math.max(0, snap.uptimeSeconds - stat.startTicks / hz);
  const before = previous?.ticks.get(sampleKey(stat.pid, stat.startTicks));
  let cpuPercent: number;
  if (previous !== undefined && before !== undefined && snap.uptimeSeconds > previous.uptimeSeconds) {
    cpuPercent = ((stat.cpuTicks - before) / hz / (snap.uptimeSeconds - previous.uptimeSeconds)) * 100;
  } else {
    cpuPercent = ageSeconds > 0 ? (stat.cpuTicks / hz / ageSeconds) * 100 : 0;
  }
  const state = detail?.syscall ?? null;
  let syscall: string | null = null;
  let syscallNr: number | null = null;
  if (state?.kind === 'running') syscall = 'running';
  else if (state?.kind === 'syscall') {
    syscallNr = state.nr;
    syscall = syscallName(state.nr, snap.arch);
  }
  const wchan = detail?.wchan ?? null;
  const guess = state === null ? syscallFromWchan(wchan) : null;
  return {
    pid: stat.pid,
    ppid: stat.ppid,
    name: extra.name,
    role: extra.role,
    startMethod: extra.startMethod,
    state: stat.state,
    cpuPercent: Math.round(Math.max(0, cpuPercent) * 100) / 100,
    rssBytes: detail?.rssBytes ?? 0,
    ageMs: Math.round(ageSeconds * 1000),
    startTicks: stat.startTicks,
    threads: stat.threads,
    syscall,
    syscallNr,
    wchan,
    waitingIn: syscall ?? guess,
    waitingGuessed: syscall === null && guess !== null,
    zombie: stat.state === 'Z',
    orphan: extra.orphan,
  };
}
