// The cluster Pool has the call layer's observing (onProgress, completed, queueSize, 'drain')
// and refuses cancelRunning, over a real redis-server and a real `multiproc worker` host.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { Pool } from '../../src/cluster.ts';
import { square } from '../fixtures/cluster/tasks.ts';
import { killHost, RedisServer, redisMissing, startHost, type Host } from './redis.ts';

const skip = redisMissing();

describe('cluster Pool: progress, counters, drain', { skip: skip ?? false }, () => {
  const redis = new RedisServer();
  const queue = 'observe';
  let host: Host | undefined;
  before(async () => {
    await redis.start();
    host = await startHost(redis.socket, queue, ['--processes', '2']);
  });
  after(async () => {
    if (host !== undefined) await killHost(host);
    await redis.stop();
  });

  it('reports progress, counts completed items and tells drain', async () => {
    await using pool = new Pool({ redis: { path: redis.socket }, queue });
    const seen: [number, number | null][] = [];
    const drained = once(pool, 'drain');
    const result = await pool.map(
      square,
      Array.from({ length: 20 }, (_, i) => i),
      { chunksize: 5, onProgress: (done, total) => seen.push([done, total]) },
    );
    assert.equal(result.length, 20);
    await drained;
    assert.deepEqual(seen[0], [0, 20]);
    assert.deepEqual(seen.at(-1), [20, 20]);
    assert.equal(seen.length, 5, `once for the input, once per chunk of 5: ${JSON.stringify(seen)}`);
    assert.equal(pool.completed, 20);
    assert.equal(pool.queueSize, 0);
  });

  it('refuses cancelRunning (a task on another host cannot be interrupted from here)', async () => {
    await using pool = new Pool({ redis: { path: redis.socket }, queue });
    await assert.rejects(pool.map(square, [1], { cancelRunning: true, signal: new AbortController().signal }), {
      name: 'TypeError',
      message:
        /^Expected `cancelRunning` to be false or undefined for this pool \(a task running on a worker host cannot be stopped from here; its result is ignored\), got `true` \(boolean\)\.$/,
    });
  });
});
