// examples/06-shared-memory.ts runs (it imports 'multiproc', i.e. the build: `npm run build` first; npm test does).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { it } from 'node:test';
import { runScript } from '../helpers.ts';

const example = new URL('../../examples/06-shared-memory.ts', import.meta.url).pathname;
const built = existsSync(new URL('../../dist/index.js', import.meta.url));

it(
  'examples/06-shared-memory.ts: RawArray squared by two children, Value under its lock, a named segment',
  { skip: built ? false : 'dist/ is not built' },
  async () => {
    const { code, stdout, stderr } = await runScript(example, [], { asUser: true });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /squared: \[ 1, 4, 9, 16, 25, 36 \] done: 6 children: 2/);
    const named = /^(mp-[0-9a-f]{16}): hello from (\d+)$/m.exec(stdout);
    assert.ok(named, stdout);
    assert.equal(existsSync(`/dev/shm/${named[1]}`), false, 'the example unlinks its segment');
  },
);
