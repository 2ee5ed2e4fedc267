// A child that imports a module after the event loop went quiet must stay alive for it. Found
// with Pool workers: a fork-server child of a plain Node process ended with exit code 0 in the
// middle of such an import, which it took for a request inherited from the server (one that
// never completes in a child) and so for the end of its loop. Run on the build, in plain Node,
// where the server's own imports leave such requests behind at fork time.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { testedMethods, trackPid } from '../helpers.ts';

const main = new URL('../fixtures/late-import-main.mjs', import.meta.url).pathname;
const built = existsSync(new URL('../../dist/index.js', import.meta.url));

describe('a child importing a module late, in plain Node', { skip: built ? false : 'dist/ is not built' }, () => {
  for (const method of testedMethods()) {
    it(`${method}: the import completes and the child answers`, async () => {
      const flags = method === 'fork' ? ['--single-threaded'] : [];
      const child = spawn(process.execPath, [...flags, main, method], { stdio: ['ignore', 'pipe', 'pipe'] });
      trackPid(child.pid ?? 0);
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 0, err);
      assert.match(out, /answer 49/);
      assert.match(out, /exitCode 0/);
    });
  }
});
