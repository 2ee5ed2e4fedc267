// A JavaScript target in a module the parent loaded compiled: under `multiproc run`, an .mjs that
// a TypeScript file imports goes through tsx's CommonJS hook, so V8's positions of its functions
// are of esbuild's output (the first export's line gets a prologue), while a spawned or fork-server
// child imports the file itself. The child must not take that difference for another function.
// Run as users run it: the `multiproc` command and the published package (needs `npm run build`).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { runNode } from '../fixtures/os-helpers.ts';
import { tempPath, testedMethods } from '../helpers.ts';

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const main = fileURLToPath(new URL('../fixtures/process/compiled-target-main.ts', import.meta.url));

for (const method of testedMethods().filter((m) => m !== 'fork')) {
  describe(`a target from a module loaded compiled (${method})`, () => {
    it('runs in the child (its definition site is not compared)', async () => {
      const path = tempPath('ran');
      const result = await runNode([cli, 'run', main, method, path], { timeoutMs: 60_000 });
      assert.match(result.stdout, /exitCode=0/, result.stderr);
      assert.equal(readFileSync(path, 'utf8'), 'ran');
    });
  });
}
