// The cluster Pool's delivery guarantees with a real redis-server and `multiproc worker` hosts:
// a host SIGKILLed mid-map (another host re-runs its task; nothing lost or duplicated in the
// result), maxAttempts, a host's graceful SIGTERM, Redis killed and restarted mid-call.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Pool, serveWorker } from '../../src/cluster.ts';
import { WorkerLostError } from '../../src/errors.ts';
import { loggedGate, square } from '../fixtures/cluster/tasks.ts';
import { tempPath, trackPid } from '../helpers.ts';
import { queueCounts, waitForEvents, waitForLines } from './events.ts';
import { killHost, RedisServer, redisMissing, startHost, type Host } from './redis.ts';

const skip = redisMissing();
// A dead host's lock expires after 1 s and live hosts look for stalled tasks every 0.3 s.
const FAST_STALL = ['--processes', '1', '--lock-ms', '1000', '--stalled-interval-ms', '300'];

/** Arguments of loggedGate for items 0..n-1, and the log and gate files. */
function gated(n: number): { items: [number, string, string][]; log: string; gate: string } {
  const log = tempPath('log');
  const gate = tempPath('gate');
  return { items: Array.from({ length: n }, (_, x) => [x, log, gate] as [number, string, string]), log, gate };
}

/** How many times each item ran, from the log. */
function runsOf(lines: string[]): Map<number, number> {
  const runs = new Map<number, number>();
  for (const line of lines) {
    const x = Number(line.split(' ')[0]);
    runs.set(x, (runs.get(x) ?? 0) + 1);
  }
  return runs;
}

describe('cluster Pool delivery guarantees', { skip: skip ?? false }, () => {
  const redis = new RedisServer();
  const hosts: Host[] = [];
  const host = async (queue: string, extra = FAST_STALL) => {
    const started = await startHost(redis.socket, queue, extra);
    hosts.push(started);
    return started;
  };
  before(() => redis.start());
  after(async () => {
    for (const started of hosts) await killHost(started);
    await redis.stop();
  });

  it('a host SIGKILLed mid-map: another host re-runs its task; nothing lost or duplicated in the result', async () => {
    const a = await host('host-kill');
    await using pool = new Pool({ redis: { path: redis.socket }, queue: 'host-kill' });
    const { items, log, gate } = gated(4);
    const call = pool.map(loggedGate, items, { chunksize: 1 });
    const [first] = await waitForLines(log, 1); // host A runs task 0
    await killHost(a);
    await host('host-kill');
    writeFileSync(gate, '');
    assert.deepEqual(await call, [0, 1, 2, 3]);
    const lines = await waitForLines(log, 5);
    const runs = runsOf(lines);
    assert.equal(runs.get(0), 2, `task 0 ran on A (${first ?? ''}) and again on B`);
    for (const x of [1, 2, 3]) assert.equal(runs.get(x), 1);
  });

  it('a task whose hosts all die rejects with WorkerLostError naming it after maxAttempts starts', async () => {
    const a = await host('max-attempts');
    await using pool = new Pool({ redis: { path: redis.socket }, queue: 'max-attempts', maxAttempts: 1 });
    const { items, log, gate } = gated(1);
    const call = pool.map(loggedGate, items);
    await waitForLines(log, 1);
    await killHost(a);
    writeFileSync(gate, ''); // the dead host's orphaned worker finishes and exits
    await host('max-attempts');
    await assert.rejects(
      call,
      (error: Error) =>
        error instanceof WorkerLostError &&
        /started on 1 worker host/.test(error.message) &&
        /maxAttempts is 1/.test(error.message) &&
        /loggedGate/.test(error.message),
    );
  });

  it('SIGTERM: a host finishes its running task, hands back the ones it took but did not start, and exits 0', async () => {
    const a = await host('graceful');
    // maxAttempts 1: a handed-back task has not run, so its start on the next host is its first.
    await using pool = new Pool({ redis: { path: redis.socket }, queue: 'graceful', maxAttempts: 1 });
    const { items, log, gate } = gated(3);
    const call = pool.map(loggedGate, items, { chunksize: 1 });
    await waitForLines(log, 1);
    void call.catch(() => undefined); // an assertion below fails the test, not an unhandled rejection
    await waitForEvents(redis.socket, 'graceful', 'active', 3); // host A (1 process, prefetch 4) took all three
    const finishing = new Promise<void>((resolve) => {
      const check = () => a.output().includes('finishing 1 running task') && resolve();
      a.child.stdout?.on('data', check);
      check();
    });
    a.child.kill('SIGTERM');
    await finishing;
    assert.equal(a.child.exitCode, null, 'still running its task');
    writeFileSync(gate, '');
    assert.deepEqual(await a.exited, { code: 0, signal: null });
    await waitForEvents(redis.socket, 'graceful', 'waiting', 5); // 3 added, 2 handed back
    assert.equal((await queueCounts(redis.socket, 'graceful')).waiting, 2, 'tasks 1 and 2 are back in the queue');
    await host('graceful');
    assert.deepEqual(await call, [0, 1, 2]);
    const runs = runsOf(await waitForLines(log, 3));
    assert.deepEqual([...runs.values()], [1, 1, 1], 'task 0 was finished, not re-run');
  });

  it('Redis killed and restarted mid-call: the call completes after the reconnection', async () => {
    await host('restart');
    await using pool = new Pool({ redis: { path: redis.socket }, queue: 'restart' });
    const { items, log, gate } = gated(3);
    const call = pool.map(loggedGate, items, { chunksize: 1 });
    await waitForLines(log, 1);
    await redis.kill(); // no persistence: the restarted server has none of the jobs
    await redis.start();
    writeFileSync(gate, '');
    assert.deepEqual(await call, [0, 1, 2]);
    // The host serves on after the restart.
    assert.deepEqual(
      await pool.map(loggedGate, [
        [10, log, gate],
        [11, log, gate],
      ]),
      [10, 11],
    );
  });

  it('Redis gone for longer than connectTimeoutMs mid-call: a RedisConnectionError naming it', async () => {
    await host('gone');
    const pool = new Pool({ redis: { path: redis.socket }, queue: 'gone', connectTimeoutMs: 500 });
    const { items, log, gate } = gated(2);
    const call = pool.map(loggedGate, items, { chunksize: 1 });
    await waitForLines(log, 1);
    await redis.kill();
    writeFileSync(gate, '');
    await assert.rejects(
      call,
      (error: Error) =>
        error.name === 'RedisConnectionError' && error.message.includes(`unix:${redis.socket}`) && /lost for 500 ms/.test(error.message),
    );
    await pool.terminate();
    await redis.start(); // for the hosts' clean exit
  });

  it('SIGTERM of a host whose Redis is gone: it exits at once (nothing to finish or hand back)', async () => {
    const a = await host('no-redis');
    await redis.kill();
    a.child.kill('SIGTERM');
    assert.deepEqual(await a.exited, { code: 0, signal: null });
    await redis.start();
  });

  it('a Redis that stops answering once connected: serveWorker rejects after connectTimeoutMs, nothing left waiting', async () => {
    // A server that answers ioredis's handshake (CLIENT SETINFO) and then nothing: the
    // connection is up (no ready check), the commands of BullMQ's setup wait for replies that
    // never come (BullMQ waits for them forever).
    const socket = tempPath('silent.sock');
    const peers = new Set<Socket>();
    const silent = createServer((peer) => {
      peers.add(peer.on('close', () => peers.delete(peer)));
      peer.on('data', (data: Buffer) => peer.write('+OK\r\n'.repeat(data.toString().split('SETINFO').length - 1)));
    });
    await new Promise<void>((resolve) => silent.listen(socket, resolve));
    const { Redis } = await import('ioredis');
    const client = new Redis({ path: socket, enableReadyCheck: false, maxRetriesPerRequest: null });
    client.on('error', () => undefined);
    if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await assert.rejects(serveWorker({ connection: client, queue: 'silent', processes: 1, connectTimeoutMs: 300 }), {
        name: 'RedisConnectionError',
        message: new RegExp(`Cannot serve queue 'silent': Redis at unix:${socket} cannot be reached: its worker not ready after 300 ms`),
      });
      const ended = new Promise((resolve) => client.once('end', resolve));
      client.disconnect(); // borrowed: ours to close; BullMQ's setup on it fails now, to the host's listener
      await ended;
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
      assert.equal(peers.size, 0, "the host's own connections (the Worker's, the subscriber) were closed");
    } finally {
      process.off('unhandledRejection', onUnhandled);
      for (const peer of peers) peer.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it(
    'on a terminal, a live line counts the tasks done, running and failed',
    { skip: spawnSync('script', ['--version']).status === 0 ? false : 'no `script` (util-linux) for a pseudo-terminal' },
    async () => {
      const root = fileURLToPath(new URL('../..', import.meta.url));
      const command = `exec ${process.execPath} --import tsx src/cli/main.ts worker --socket ${redis.socket} --queue tty --processes 1 --root ${root}`;
      const terminal = spawn('script', ['-qfec', command, '/dev/null'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
      trackPid(terminal.pid ?? 0);
      let out = '';
      const seen = (pattern: RegExp) =>
        new Promise<RegExpMatchArray>((resolve) => {
          const check = () => {
            const match = pattern.exec(out);
            if (match !== null) resolve(match);
          };
          terminal.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            check();
          });
          check();
        });
      const [, pid] = await seen(/multiproc worker [^ ]+:(\d+): serving queue 'tty'/);
      await using pool = new Pool({ redis: { path: redis.socket }, queue: 'tty' });
      assert.deepEqual(await pool.map(square, [1, 2, 3], { chunksize: 1 }), [1, 4, 9]);
      await seen(/done 3 {2}running 0 {2}failed 0/);
      const exited = new Promise((resolve) => terminal.once('exit', resolve));
      process.kill(Number(pid), 'SIGTERM');
      await seen(/stopped \(3 done, 0 failed\)/);
      await exited;
    },
  );
});
