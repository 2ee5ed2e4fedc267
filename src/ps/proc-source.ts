// Where `multiproc ps` reads processes from: the real /proc, or (in tests) a directory of fake
// files laid out the same way, or any object with this small interface.
import { readdir, readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The few things ps reads; every method may reject with ENOENT/ESRCH when a process is gone. */
export interface ProcSource {
  /** Pids of the processes currently listed (numeric entries of the proc root). */
  listPids(): Promise<number[]>;
  /** Text of `<root>/<pid>/<file>` (`stat`, `cmdline`, `status`, `environ`, `syscall`, `wchan`). */
  readProcFile(pid: number, file: string): Promise<string>;
  /** Seconds since boot, from `<root>/uptime`. */
  uptimeSeconds(): Promise<number>;
  /** Clock ticks per second (the unit of utime, stime and starttime in `stat`). */
  readonly clockTicks: number;
  /** Architecture whose syscall numbers /proc/PID/syscall reports (`x64`, `arm64` …). */
  readonly arch: string;
}

/** Options of createProcSource. */
export interface ProcSourceOptions {
  /** Directory laid out like /proc; default `/proc`. */
  root?: string;
  /** Default: AT_CLKTCK from /proc/self/auxv, else 100. */
  clockTicks?: number;
  /** Default: `process.arch`. */
  arch?: string;
}

/** True for the errors that mean "this process exited while we were reading it". */
export function isGoneError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ESRCH';
}

/** True for errors that mean "not allowed to read this file" (other user, Yama ptrace scope). */
export function isDeniedError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'EACCES' || code === 'EPERM';
}

/** A ProcSource reading files under `root` (the real /proc by default). */
export function createProcSource(options: ProcSourceOptions = {}): ProcSource {
  const root = options.root ?? '/proc';
  const clockTicks = options.clockTicks ?? (root === '/proc' ? readClockTicks() : 100);
  return {
    clockTicks,
    arch: options.arch ?? process.arch,
    async listPids() {
      const names = await readdir(root);
      return names.filter((n) => /^\d+$/.test(n)).map(Number);
    },
    readProcFile(pid, file) {
      return readFile(join(root, String(pid), file), 'latin1');
    },
    async uptimeSeconds() {
      const text = await readFile(join(root, 'uptime'), 'latin1');
      return Number.parseFloat(text);
    },
  };
}

// AT_CLKTCK (17) from the auxiliary vector: sysconf(_SC_CLK_TCK) without native code.
function readClockTicks(): number {
  try {
    const auxv = readFileSync('/proc/self/auxv');
    for (let i = 0; i + 16 <= auxv.length; i += 16) {
      const type = auxv.readBigUInt64LE(i);
      if (type === 0n) break;
      if (type === 17n) return Number(auxv.readBigUInt64LE(i + 8));
    }
  } catch {
    // Not Linux, or a 32-bit layout: fall through to the near-universal value.
  }
  return 100;
}
