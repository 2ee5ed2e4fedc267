// Where the time of a tiny cluster task goes, in counts that do not depend on the machine's
// load: Redis commands per task (INFO commandstats before/after), CPU µs per task of each
// process (utime+stime from /proc) and its wake-ups per task (voluntary context switches of its
// main thread: each time its event loop slept and was woken): the submitter, redis-server, the
// host and its local Pool's processes; and the same for a plain BullMQ worker echoing jobs (the
// cluster-rate baseline).
// Usage: node bench/cluster-cost.mjs [--tasks N] [--warm N] [--repeat R] [--rows echo,cluster] [--host-args="…"] [--prof DIR] [--spin N]
//   --repeat R: measure the rows R times, alternating (their times are then comparable).
//   --prof DIR: the host runs under --cpu-prof, its profile written to DIR.
//   --spin N: the cluster's task is CPU-bound (bench/targets/cpu.mjs: N iterations) instead of
//   x*x: a task longer than a hand-off, so each travels alone (no batches).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { BENCH, ROOT, scratchPath, waitForFile } from './lib/common.mjs';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '4000' },
    warm: { type: 'string', default: '2000' },
    repeat: { type: 'string', default: '1' },
    rows: { type: 'string', default: 'echo,cluster' },
    'host-args': { type: 'string', default: '' },
    prof: { type: 'string' },
    spin: { type: 'string' },
  },
});
const N = Number(values.tasks);
const TICK_US = 1e6 / 100; // USER_HZ is 100 on Linux
const children = new Set();

function start(command, args) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}): ${out}`)));
  });
}

/** Voluntary context switches of `pid`'s main thread (0 if gone). */
function wakesOf(pid) {
  try {
    return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** utime + stime of `pid` and all its descendants, in µs; and their wake-ups. */
function cpuOf(pid) {
  const table = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(name), { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) * TICK_US });
    } catch {
      // gone
    }
  }
  const own = table.get(pid)?.cpu ?? 0;
  let tree = 0;
  let treeWakes = 0;
  const walk = (p) => {
    tree += table.get(p)?.cpu ?? 0;
    treeWakes += wakesOf(p);
    for (const [child, entry] of table) if (entry.ppid === p) walk(child);
  };
  walk(pid);
  return { own, tree, wakes: wakesOf(pid), treeWakes };
}

async function commandStats(client) {
  const text = await client.info('commandstats');
  const stats = {};
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) stats[match[1]] = Number(match[2]);
  return stats;
}

function selfCpu() {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

const warmed = new Set();

async function measure(label, hostPid, run) {
  const { Redis } = await import('ioredis');
  const client = new Redis({ path: socket });
  if (!warmed.has(label)) await run(Number(values.warm)); // warm (JIT, the host's measurements), once
  warmed.add(label);
  const before = {
    stats: await commandStats(client),
    self: selfCpu(),
    selfWakes: wakesOf(process.pid),
    redis: cpuOf(redisPid),
    host: cpuOf(hostPid),
  };
  const t0 = performance.now();
  await run(N);
  const ms = performance.now() - t0;
  const after = {
    stats: await commandStats(client),
    self: selfCpu(),
    selfWakes: wakesOf(process.pid),
    redis: cpuOf(redisPid),
    host: cpuOf(hostPid),
  };
  client.disconnect();
  const per = (a, b) => ((a - b) / N).toFixed(1);
  console.log(`\n${label}: ${N} tasks in ${ms.toFixed(0)} ms (${((N * 1000) / ms).toFixed(0)}/s at this moment)`);
  console.log(
    `  CPU µs per task: submitter ${per(after.self, before.self)}, redis ${per(after.redis.own, before.redis.own)}, host ${per(after.host.own, before.host.own)}, host's children ${per(after.host.tree - after.host.own, before.host.tree - before.host.own)}`,
  );
  const perWake = (a, b) => ((a - b) / N).toFixed(2);
  console.log(
    `  wake-ups per task: submitter ${perWake(after.selfWakes, before.selfWakes)}, redis ${perWake(after.redis.wakes, before.redis.wakes)}, host ${perWake(after.host.wakes, before.host.wakes)}, host's children ${perWake(after.host.treeWakes - after.host.wakes, before.host.treeWakes - before.host.wakes)}`,
  );
  const names = new Set([...Object.keys(after.stats), ...Object.keys(before.stats)]);
  const rows = [...names]
    .map((name) => [name, ((after.stats[name] ?? 0) - (before.stats[name] ?? 0) - (name === 'info' ? 1 : 0)) / N])
    .filter(([, n]) => n > 0.001)
    .sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((sum, [, n]) => sum + n, 0);
  console.log(`  Redis commands per task: ${total.toFixed(2)}  (${rows.map(([name, n]) => `${name} ${n.toFixed(2)}`).join(', ')})`);
}

const socket = scratchPath('redis.sock');
const redis = spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no', '--dir', BENCH], {
  stdio: 'ignore',
});
children.add(redis);
const redisPid = redis.pid;
try {
  await waitForFile(socket);
  const rows = values.rows.split(',');
  const measured = [];
  if (rows.includes('echo')) {
    const { Queue, QueueEvents } = await import('bullmq');
    const worker = await start(process.execPath, [join(BENCH, 'targets', 'bullmq-echo.mjs'), socket, 'echo', '1']);
    const queue = new Queue('echo', { connection: { path: socket } });
    const events = new QueueEvents('echo', { connection: { path: socket } });
    await events.waitUntilReady();
    measured.push({
      label: 'BullMQ echo (concurrency 1)',
      pid: worker.pid,
      run: async (n) => {
        let done = 0;
        const all = new Promise((resolve) => {
          const onDone = () => {
            if (++done === n) {
              events.off('completed', onDone);
              resolve();
            }
          };
          events.on('completed', onDone);
        });
        await queue.addBulk(
          Array.from({ length: n }, (_, x) => ({ name: 'echo', data: { x }, opts: { removeOnComplete: true, removeOnFail: true } })),
        );
        await all;
      },
      close: async () => {
        await events.close();
        await queue.close();
      },
    });
  }
  let host;
  if (rows.includes('cluster')) {
    const extra = values['host-args'] === '' ? [] : values['host-args'].split(' ');
    const node = values.prof === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', values.prof];
    host = await start(process.execPath, [
      ...node,
      join(ROOT, 'dist', 'cli', 'main.js'),
      'worker',
      '--socket',
      socket,
      '--queue',
      'cost',
      '--processes',
      '1',
      '--root',
      BENCH,
      ...extra,
    ]);
    const { Pool } = await import(pathToFileURL(join(ROOT, 'dist', 'cluster.js')).href);
    const { square } = await import(pathToFileURL(join(BENCH, 'targets', 'square.mjs')).href);
    const { spin } = await import(pathToFileURL(join(BENCH, 'targets', 'cpu.mjs')).href);
    const spinN = values.spin === undefined ? undefined : Number(values.spin);
    const pool = new Pool({ redis: { path: socket }, queue: 'cost' });
    measured.push({
      label: `cluster, 1 host of 1 process ${extra.join(' ')}${spinN === undefined ? '' : ` spin(${spinN})`}`,
      pid: host.pid,
      run: async (n) => {
        if (spinN !== undefined) {
          await pool.map(spin, Array(n).fill(spinN), { chunksize: 1 });
          return;
        }
        const out = await pool.map(
          square,
          Array.from({ length: n }, (_, x) => x),
          { chunksize: 1 },
        );
        if (out[n - 1] !== (n - 1) ** 2) throw new Error('wrong result');
      },
      close: () => pool.terminate(),
    });
  }
  for (let round = 0; round < Number(values.repeat); round++) for (const row of measured) await measure(row.label, row.pid, row.run);
  for (const row of measured) await row.close();
  if (host !== undefined && values.prof !== undefined) {
    const exited = new Promise((resolve) => host.once('exit', resolve));
    host.kill('SIGTERM'); // --cpu-prof writes on a normal exit
    await exited;
  }
} finally {
  for (const child of children) child.kill('SIGKILL');
}
