// A private redis-server for the cluster tests (a unix socket in a temp dir, no persistence), and
// worker hosts as separate `multiproc worker` processes; everything is stopped after the file.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { trackPid, waitForExit, waitForFile } from '../helpers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'src/cli/main.ts');

/** Why the cluster tests cannot run here (null: they can). Under CI=true a missing server fails. */
export function redisMissing(): string | null {
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (found.error === undefined && found.status === 0) return null;
  const why =
    'redis-server is not installed: the cluster tests (test/cluster) need it. Install it with `apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis`.';
  if (process.env['CI'] === 'true') throw new Error(`${why} Under CI=true this is a failure, not a skip.`);
  console.error(`\n!!!!!!!!!!\n!!! SKIPPING the cluster tests: ${why}\n!!!!!!!!!!\n`);
  return why;
}

/** One redis-server of a test file. */
export class RedisServer {
  readonly dir = mkdtempSync(join(tmpdir(), 'multiproc-redis-'));
  readonly socket = join(this.dir, 'redis.sock');
  #child: ChildProcess | null = null;

  /** Start it (again: same socket, empty data). */
  async start(): Promise<void> {
    rmSync(this.socket, { force: true });
    const child = spawn(
      'redis-server',
      ['--port', '0', '--unixsocket', this.socket, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--dir', this.dir],
      { stdio: 'ignore' },
    );
    trackPid(child.pid ?? 0);
    this.#child = child;
    await waitForFile(this.socket);
  }

  /** SIGKILL it and wait for its end. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const pid = child.pid ?? 0;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    await waitForExit(pid);
    this.#child = null;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A `multiproc worker` process. */
export interface Host {
  child: ChildProcess;
  pid: number;
  output: () => string;
  /** Resolves with its exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start `multiproc worker` on `socket`/`queue` (under tsx, so it imports .ts task modules); resolves once it printed ready. */
export async function startHost(socket: string, queue: string, extra: string[] = []): Promise<Host> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'worker', '--socket', socket, '--queue', queue, '--root', ROOT, ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT },
  );
  trackPid(child.pid ?? 0);
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('; ready')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    void exited.then(({ code, signal }) => reject(new Error(`multiproc worker exited (${code ?? signal}) before ready:\n${out}`)));
  });
  await ready;
  return { child, pid: child.pid ?? 0, output: () => out, exited };
}

/** SIGKILL a host (its workers end with their pipes) and wait for it. */
export async function killHost(host: Host): Promise<void> {
  if (host.child.exitCode === null && host.child.signalCode === null) host.child.kill('SIGKILL');
  await host.exited;
}

/** For the enclosing describe: a private redis-server started before its tests, and the hosts they start on it, all stopped after. */
export function redisWithHosts(): { redis: RedisServer; hosts: Host[] } {
  const redis = new RedisServer();
  const hosts: Host[] = [];
  before(() => redis.start());
  after(async () => {
    for (const host of hosts) await killHost(host);
    await redis.stop();
  });
  return { redis, hosts };
}
