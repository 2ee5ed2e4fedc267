// A child that imports a module after the event loop went quiet must stay alive for it. Found
// with Pool workers: a fork-server child of a plain Node process ended with exit code 0 in the
// middle of such an import, which it took for a request inherited from the server (one that
// never completes in a child) and so for the end of its loop. Run on the build, in plain Node,
// where the server's own imports leave such requests behind at fork time.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runNode } from '../fixtures/os-helpers.ts';
import { testedMethods } from '../helpers.ts';

const main = new URL('../fixtures/process/late-import-main.mjs', import.meta.url).pathname;
const built = existsSync(new URL('../../dist/index.js', import.meta.url));

describe('a child importing a module late, in plain Node', { skip: built ? false : 'dist/ is not built' }, () => {
  for (const method of testedMethods()) {
    it(`${method}: the import completes and the child answers`, async () => {
      const flags = method === 'fork' ? ['--single-threaded'] : [];
      const { code, stdout, stderr } = await runNode([...flags, main, method]);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /answer 49/);
      assert.match(stdout, /exitCode 0/);
    });
  }
});
