// A pool function exported by the main module, called from its top level with await, under every
// start method, in plain Node on the build. Under fork such a call hung: the forked workers
// imported the main module by reference, and that import() never settles in a copy of a process
// whose main module is still being evaluated.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runNode } from '../fixtures/os-helpers.ts';
import { testedMethods } from '../helpers.ts';

const main = new URL('../fixtures/pool/main-tla.mjs', import.meta.url).pathname;
const built = existsSync(new URL('../../dist/index.js', import.meta.url));

describe('Pool with a function of the main module, from its top level', { skip: built ? false : 'dist/ is not built' }, () => {
  for (const method of testedMethods()) {
    it(`${method}: map and imap answer, the pool joins`, async () => {
      const flags = method === 'fork' ? ['--single-threaded'] : [];
      const { code, stdout, stderr } = await runNode([...flags, main, method]);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^map 1,8,27,64$/m);
      assert.match(stdout, /^imap 125,216$/m);
      assert.match(stdout, /^joined$/m);
    });
  }
});
