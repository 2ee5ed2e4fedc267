// What the soak measures of a process, read from /proc: open fds, shared-memory entries and
// mappings, children (live and zombie), RSS and heap after a full collection, and the processes
// that carry a marker in their environment (how a soak finds every descendant of a tree, even
// one reparented to init after its parent was killed).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A process's resources at one moment. */
export interface Usage {
  fds: number;
  shmEntries: number;
  shmMappings: number;
  children: number;
  zombies: number;
  rssBytes: number;
  heapBytes: number;
  arrayBufferBytes: number;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A full collection, then the finalizers it queued (fds of collected objects are closed there). */
export async function collectGarbage(): Promise<void> {
  for (let round = 0; round < 3; round++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The children of `pid` and their one-letter states (R, S, Z …). */
export function childrenOf(pid = process.pid): { pid: number; state: string }[] {
  const out: { pid: number; state: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat !== null && stat.ppid === pid) out.push({ pid: Number(name), state: stat.state });
  }
  return out;
}

/** State and parent of `pid` from /proc/PID/stat, null when it is gone. */
export function readStat(pid: number): { state: string; ppid: number; pgrp: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '?', ppid: Number(fields[1]), pgrp: Number(fields[2]) };
  } catch {
    return null;
  }
}

/** This process's usage, after a full collection. */
export async function measure(): Promise<Usage> {
  await collectGarbage();
  const kids = childrenOf();
  const maps = readFileSync('/proc/self/maps', 'utf8').split('\n');
  const memory = process.memoryUsage();
  return {
    fds: readdirSync('/proc/self/fd').length,
    shmEntries: readdirSync('/dev/shm').length,
    shmMappings: maps.filter((line) => line.includes('/dev/shm/')).length,
    children: kids.filter((kid) => kid.state !== 'Z').length,
    zombies: kids.filter((kid) => kid.state === 'Z').length,
    rssBytes: memory.rss,
    heapBytes: memory.heapUsed,
    arrayBufferBytes: memory.arrayBuffers,
  };
}

/** What this process's open fds point to (for a report when their count grew). */
export function describeFds(): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      out.push(`${fd}→${readlinkSync(`/proc/self/fd/${fd}`)}`);
    } catch {
      // the directory's own fd, closed by now
    }
  }
  return out;
}

/** Live (not zombie) processes whose environment holds `marker`, with their command lines. */
export function findMarked(marker: string): { pid: number; cmdline: string; state: string }[] {
  const needle = Buffer.from(marker);
  const out: { pid: number; cmdline: string; state: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${name}/environ`).includes(needle)) continue;
      const state = readStat(Number(name))?.state ?? '?';
      if (state === 'Z') continue;
      out.push({ pid: Number(name), state, cmdline: readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() });
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/** Waits until no live process carries `marker` (polling /proc), or `timeoutMs` passed: the survivors. */
export async function waitForNoneMarked(marker: string, timeoutMs: number): Promise<{ pid: number; cmdline: string; state: string }[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = findMarked(marker);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** SIGKILL every pid, ignoring those already gone (a soak's cleanup after it counted them). */
export function killAll(pids: number[]): void {
  for (const pid of pids) {
    if (pid <= 1) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
