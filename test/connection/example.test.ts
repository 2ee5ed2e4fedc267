// examples/05-pipe.ts runs (it imports 'multiproc', i.e. the build: `npm run build` first; npm test does).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { it } from 'node:test';
import { runScript } from '../helpers.ts';

const example = new URL('../../examples/05-pipe.ts', import.meta.url).pathname;
const built = existsSync(new URL('../../dist/index.js', import.meta.url));

it(
  'examples/05-pipe.ts: values both ways, EOF in the child, a one-way pipe, waitReady',
  { skip: built ? false : 'dist/ is not built' },
  async () => {
    const { code, stdout, stderr } = await runScript(example, [], { asUser: true });
    assert.equal(code, 0, stderr);
    assert.equal(stdout.match(/parent got \{/g)?.length, 3);
    assert.match(stdout, /big: 200000000000000000000n/);
    assert.match(stdout, /seen: Set\(1\) \{ 2 \}/);
    assert.match(stdout, /child: the parent closed its end after 3 questions/);
    assert.match(stdout, /ready: the pipe/);
    assert.match(stdout, /parent got raw bytes, no serialization/);
  },
);
