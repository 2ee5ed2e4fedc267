// examples/11-listener-client.ts runs (it imports 'multiproc', i.e. the build: `npm run build` first; npm test does).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { it } from 'node:test';
import { runScript } from '../helpers.ts';

const example = new URL('../../examples/11-listener-client.ts', import.meta.url).pathname;
const built = existsSync(new URL('../../dist/index.js', import.meta.url));

it(
  'examples/11-listener-client.ts: two unrelated processes, a wrong key refused, a request served, shutdown',
  { skip: built ? false : 'dist/ is not built' },
  async () => {
    const { code, stdout, stderr } = await runScript(example, [], { asUser: true });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /server: listening on 127\.0\.0\.1:\d+/);
    assert.match(stdout, /client: a wrong key is refused \(AuthenticationError\)/);
    assert.match(stdout, /client: the server says 1 \+ 2 \+ 3 = 6/);
    assert.match(stdout, /server: closed/);
  },
);
