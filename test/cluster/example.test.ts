// examples/10-cluster.ts runs as a user runs it (it imports 'multiproc' and 'multiproc/cluster',
// i.e. the build: `npm run build` first; npm test does): a private redis-server, two hosts, a submitter.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { it } from 'node:test';
import { runScript } from '../helpers.ts';
import { redisMissing } from './redis.ts';

const example = new URL('../../examples/10-cluster.ts', import.meta.url).pathname;
const built = existsSync(new URL('../../dist/cluster.js', import.meta.url));
const skip = redisMissing() ?? (built ? false : 'dist/ is not built');

it('examples/10-cluster.ts: map, apply and imap through two worker hosts', { skip }, async () => {
  const env = { ...process.env };
  delete env['REDIS_URL'];
  const { code, stdout, stderr } = await runScript(example, [], { asUser: true, env });
  assert.equal(code, 0, stderr);
  assert.match(stdout, /host \S+:\d+ ready[\s\S]*host \S+:\d+ ready/);
  assert.match(stdout, /map: 10000 squares, the last 99980001/);
  assert.match(stdout, /apply: 144/);
  assert.match(stdout, /imap: ran on [12] host\(s\)/);
});
