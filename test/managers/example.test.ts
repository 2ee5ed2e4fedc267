// examples/12-manager.ts runs as a user runs it (it imports 'multiproc', i.e. the build) and
// prints the word counts its three children made in one shared dict.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { it } from 'node:test';
import { runScript } from '../helpers.ts';

const example = new URL('../../examples/12-manager.ts', import.meta.url).pathname;
const built = existsSync(new URL('../../dist/index.js', import.meta.url));

it(
  'examples/12-manager.ts: three children count words into one shared dict and list',
  { skip: built ? false : 'dist/ is not built' },
  async () => {
    const { code, stdout, stderr } = await runScript(example, [], { asUser: true });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^counts: \{ a: 2, and: 1, cat: 2, dog: 2, log: 1, mat: 1, on: 2, sat: 2, the: 4 \}$/m);
    assert.equal(stdout.match(/^pid \d+: \d+ words$/gm)?.length, 3);
    assert.match(stdout, /shared objects in the manager: 3/);
  },
);
