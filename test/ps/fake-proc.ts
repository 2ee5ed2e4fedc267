// A fake /proc for ps tests: a temporary directory of the files ps reads, written from a short
// description, plus injected read errors (ESRCH for a zombie's environ, ENOENT for a process
// that vanishes, EACCES for a refused syscall file).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProcSource, type ProcSource } from '../../src/ps/proc-source.ts';

export interface FakeProc {
  pid: number;
  ppid: number;
  /** The title or command line; `multiproc: <name>` makes a multiproc process. */
  cmdline: string;
  /** Default: the first 15 bytes of cmdline's first word-run (like libuv's prctl). */
  comm?: string;
  state?: string;
  uid?: number;
  rssKb?: number;
  env?: Record<string, string>;
  /** Raw /proc/PID/syscall text; default `running` for R, else `232 0x3 …` (epoll_wait). */
  syscall?: string;
  wchan?: string;
  utime?: number;
  stime?: number;
  startTicks?: number;
  threads?: number;
}

export interface FakeProcSpec {
  uptimeSeconds: number;
  procs: FakeProc[];
  /** `PID/file` → errno code thrown when ps reads it. */
  errors?: Record<string, string>;
}

export interface FakeProcRoot {
  root: string;
  source: ProcSource;
  /** Rewrite the files (for a second refresh). */
  update(spec: FakeProcSpec): void;
  remove(): void;
}

export const MY_UID = process.getuid?.() ?? 0;

function write(root: string, spec: FakeProcSpec): void {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'uptime'), `${spec.uptimeSeconds.toFixed(2)} 12345.67\n`);
  for (const p of spec.procs) {
    const dir = join(root, String(p.pid));
    mkdirSync(dir);
    const state = p.state ?? 'S';
    const zombie = state === 'Z';
    const comm = p.comm ?? p.cmdline.split('\0')[0]!.slice(0, 15);
    const fields = [
      state,
      p.ppid,
      p.pid,
      p.pid,
      0,
      -1,
      4194304,
      0,
      0,
      0,
      0,
      p.utime ?? 0,
      p.stime ?? 0,
      0,
      0,
      20,
      0,
      p.threads ?? (zombie ? 1 : 11),
      0,
      p.startTicks ?? 0,
      1000,
      0,
    ];
    writeFileSync(join(dir, 'stat'), `${p.pid} (${comm}) ${fields.join(' ')}\n`);
    writeFileSync(join(dir, 'cmdline'), zombie ? '' : `${p.cmdline.replaceAll(' ', '\0')}\0`);
    const rss = zombie ? '' : `VmRSS:\t${p.rssKb ?? 40000} kB\n`;
    const uid = p.uid ?? MY_UID;
    writeFileSync(join(dir, 'status'), `Name:\t${comm}\nState:\t${state}\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\n${rss}`);
    const env = Object.entries(p.env ?? {})
      .map(([k, v]) => `${k}=${v}\0`)
      .join('');
    writeFileSync(join(dir, 'environ'), `PATH=/usr/bin\0${env}`);
    const syscall =
      p.syscall ?? (zombie ? '-1 0x0 0x0' : state === 'R' ? 'running' : '232 0x3 0x7ffd 0x400 0xffffffff 0x0 0x8 0x7ffd 0x7f12');
    writeFileSync(join(dir, 'syscall'), `${syscall}\n`);
    writeFileSync(join(dir, 'wchan'), p.wchan ?? (zombie || state === 'R' ? '0' : 'do_epoll_wait'));
  }
}

/** Write `spec` to a temporary directory and return a source reading it (clock 100 Hz, x64). */
export function fakeProc(spec: FakeProcSpec): FakeProcRoot {
  const root = mkdtempSync(join(tmpdir(), 'multiproc-fake-proc-'));
  let current = spec;
  write(root, spec);
  const files = createProcSource({ root, clockTicks: 100, arch: 'x64' });
  const source: ProcSource = {
    clockTicks: files.clockTicks,
    arch: files.arch,
    listPids: () => files.listPids(),
    uptimeSeconds: () => files.uptimeSeconds(),
    async readProcFile(pid, file) {
      const zombie = current.procs.find((p) => p.pid === pid)?.state === 'Z';
      const code = current.errors?.[`${pid}/${file}`] ?? (zombie && file === 'environ' ? 'ESRCH' : undefined);
      if (code !== undefined) throw Object.assign(new Error(`${code}: /proc/${pid}/${file}`), { code });
      return files.readProcFile(pid, file);
    },
  };
  return {
    root,
    source,
    update(next) {
      current = next;
      write(root, next);
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * The standard fake machine (uptime 1000 s, 100 Hz): a main `node app.mjs` (pid 100) with
 * Process-1 (spawn, 101) → Process-1:1 (fork, 103, blocked in read) and Process-1:2 (zombie,
 * 104); forkserver (102) → ForkPoolWorker-1 (105, running); Orphan-1 (200) adopted by
 * init; Lost-1 (301) spawned by a dead 300, adopted by a subreaper (299); a process of another
 * user (400 → 401); and unrelated processes.
 */
export function standardSpec(): FakeProcSpec {
  const spawnedBy = (pid: number): Record<string, string> => ({ MULTIPROC_SPAWN_PARENT: String(pid) });
  const forkserverOf = (pid: number): Record<string, string> => ({ MULTIPROC_FORKSERVER_PARENT: String(pid) });
  return {
    uptimeSeconds: 1000,
    procs: [
      { pid: 1, ppid: 0, cmdline: '/sbin/init', uid: 0, startTicks: 1 },
      { pid: 50, ppid: 1, cmdline: '-bash', startTicks: 500 },
      { pid: 100, ppid: 50, cmdline: 'node app.mjs', startTicks: 40000, utime: 3000, stime: 1000, rssKb: 51200 },
      { pid: 101, ppid: 100, cmdline: 'multiproc: Process-1', env: spawnedBy(100), startTicks: 40010, utime: 500, rssKb: 45000 },
      { pid: 102, ppid: 100, cmdline: 'multiproc: forkserver', env: forkserverOf(100), startTicks: 40020, wchan: 'do_epoll_wait' },
      {
        pid: 103,
        ppid: 101,
        cmdline: 'multiproc: Process-1:1',
        env: spawnedBy(100),
        startTicks: 40030,
        syscall: '0 0x0 0x1c2e0 0x10 0x7ffc 0x0 0x0 0x7ffc 0x7f00',
        wchan: 'anon_pipe_read',
      },
      { pid: 104, ppid: 101, cmdline: '', comm: 'multiproc: Proc', state: 'Z', startTicks: 40040, utime: 10 },
      { pid: 105, ppid: 102, cmdline: 'multiproc: ForkPoolWorker-1', env: forkserverOf(100), state: 'R', startTicks: 40050, utime: 20000 },
      { pid: 200, ppid: 1, cmdline: 'multiproc: Orphan-1', env: spawnedBy(150), startTicks: 60000 },
      { pid: 299, ppid: 1, cmdline: 'tini -s -- node x.mjs', startTicks: 100 },
      {
        pid: 301,
        ppid: 299,
        cmdline: 'multiproc: Lost-1',
        env: spawnedBy(300),
        startTicks: 70000,
        syscall: '202 0x0',
        wchan: 'futex_wait_queue',
      },
      { pid: 400, ppid: 1, cmdline: 'node other.mjs', uid: MY_UID + 1, startTicks: 80000 },
      { pid: 401, ppid: 400, cmdline: 'multiproc: Process-1', uid: MY_UID + 1, env: spawnedBy(400), startTicks: 80010 },
      { pid: 500, ppid: 50, cmdline: 'vim notes.txt', startTicks: 90000 },
    ],
  };
}
