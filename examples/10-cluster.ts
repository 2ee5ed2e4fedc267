// Example 10: the Pool across machines (multiproc/cluster, on BullMQ and Redis). Here everything
// runs on this machine: a private redis-server (or REDIS_URL), two worker hosts, one submitter.
// Run: npx tsx examples/10-cluster.ts          (needs redis-server and `npm install bullmq`)
//
// On real machines, with the same code checked out on each:
//   worker machines:  npx multiproc worker --redis redis://10.0.0.5:6379 --queue squares --processes 8
//                     (under tsx for .ts task modules: node --import tsx node_modules/.bin/multiproc worker …)
//   submitter:        new Pool({ redis: 'redis://10.0.0.5:6379', queue: 'squares' })
// Hosts find a task function by its module path relative to the project root and its export
// name: they must run the same version of the code (--root DIR if not started in the root).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMain } from 'multiproc';
import { Pool, serveWorker, type RedisTarget } from 'multiproc/cluster';

/** The task: exported, so worker hosts can import it. */
export function square(x: number): number {
  return x * x;
}

/** A slow task, to see both hosts at work. */
export async function slowHost(x: number): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return `${x} on ${hostname()}:${process.ppid}`; // its parent: the fork server of the host that ran it
}

const QUEUE = 'example-squares';

// A worker host, in library form (the CLI `multiproc worker` does the same): prints ready, ends on SIGTERM.
async function host(redis: RedisTarget): Promise<void> {
  const served = await serveWorker({ redis, queue: QUEUE, processes: 1, root: fileURLToPath(new URL('..', import.meta.url)) });
  console.log(`host ${served.name} ready`);
  process.once('SIGTERM', () => void served.close());
}

async function main(): Promise<void> {
  const here = fileURLToPath(import.meta.url);
  const children: ChildProcess[] = [];
  let dir: string | undefined;
  let redis: RedisTarget;
  if (process.env['REDIS_URL'] !== undefined) redis = process.env['REDIS_URL'];
  else {
    dir = mkdtempSync(join(tmpdir(), 'multiproc-example-'));
    const socket = join(dir, 'redis.sock');
    children.push(
      spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' }),
    );
    while (!existsSync(socket)) await new Promise((resolve) => setTimeout(resolve, 10));
    redis = { path: socket };
  }
  try {
    // Two hosts, as two machines would run them.
    for (let i = 0; i < 2; i++) {
      const child = spawn(process.execPath, [...process.execArgv, here, 'host', JSON.stringify(redis)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      await new Promise<void>((resolve) =>
        child.stdout?.on('data', (chunk: Buffer) => {
          process.stdout.write(chunk);
          if (String(chunk).includes('ready')) resolve();
        }),
      );
    }
    await using pool = new Pool({ redis, queue: QUEUE });
    // prettier-ignore
    const squares = await pool.map(square, Array.from({ length: 10_000 }, (_, i) => i), { chunksize: 1000 });
    console.log(`map: ${squares.length} squares, the last ${squares.at(-1)}`);
    console.log('apply:', await pool.apply(square, [12]));
    const where = new Set<string>();
    for await (const line of pool.imap(slowHost, [1, 2, 3, 4, 5, 6])) where.add(line.split(' on ')[1] ?? '');
    console.log(`imap: ran on ${where.size} host(s)`);
  } finally {
    for (const child of children.reverse()) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

// No top-level await: a fork-server worker may load this file as CommonJS under tsx.
if (isMain(import.meta)) {
  if (process.argv[2] === 'host') void host(JSON.parse(process.argv[3] ?? '""') as RedisTarget);
  else void main();
}
