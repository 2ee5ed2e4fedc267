// A spawned grandchild of a fork-server child, with a TypeScript target, in a program run
// through tsx: each process loads the module its own way (see the fixture), and the target is
// still found by its export name.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadNative } from '../../src/native/binding.ts';
import { runScript } from '../helpers.ts';

const main = new URL('../fixtures/process/grandchild-main.ts', import.meta.url).pathname;

it(
  'a fork-server child starts a spawned grandchild with a TypeScript target',
  { skip: loadNative() === null ? 'the native addon is not built' : false },
  async () => {
    const { code, stdout, stderr } = await runScript(main, [], { asUser: true });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /grandchild got 2/);
    assert.match(stdout, /grandchild exitCode 0/);
    assert.match(stdout, /child exitCode 0/);
  },
);
