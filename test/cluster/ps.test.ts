// `multiproc ps` shows a worker host (named after its queue and Redis) and its local Pool: the fork server
// and one pool worker per --processes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { redisMissing, redisWithHosts, startHost } from './redis.ts';

const skip = redisMissing();
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface PsNode {
  pid: number;
  name: string;
  role: string;
  startMethod: string | null;
  children: PsNode[];
}

function find(nodes: PsNode[], pid: number): PsNode | undefined {
  for (const node of nodes) {
    if (node.pid === pid) return node;
    const inner = find(node.children, pid);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

describe('multiproc ps and worker hosts', { skip: skip ?? false }, () => {
  const { redis, hosts } = redisWithHosts();

  it('shows the host by its queue and Redis, with its fork server and one pool worker per process', async () => {
    const host = await startHost(redis.socket, 'ps-queue', ['--processes', '2']);
    hosts.push(host);
    const result = spawnSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'ps', '--json', '--pid', String(host.pid)], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(result.status, 0, result.stderr);
    const node = find(JSON.parse(result.stdout) as PsNode[], host.pid);
    assert.ok(node !== undefined, `pid ${host.pid} in ${result.stdout}`);
    assert.equal(node.name, `worker host ps-queue on unix:${redis.socket}`, 'the queue and its Redis');
    const forkserver = node.children.find((child) => child.role === 'forkserver');
    assert.ok(forkserver !== undefined, `a fork server under the host: ${JSON.stringify(node.children)}`);
    const workers = forkserver.children.filter((child) => child.role === 'pool-worker');
    assert.equal(workers.length, 2);
    for (const worker of workers) assert.equal(worker.startMethod, 'forkserver');
    const text = spawnSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'ps', '--pid', String(host.pid)], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.match(text.stdout, new RegExp(`${host.pid} .*worker host ps-queue`));
  });
});
