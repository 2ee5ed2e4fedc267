// The `multiproc` command's conventions (the build's dist/cli/main.js): help on stdout with exit
// code 0, usage errors on stderr with exit code 2 and where to find help, values in 'quotes'.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { root, runNode } from '../fixtures/os-helpers.ts';

const multiproc = (...args: string[]) => runNode([path.join(root, 'dist', 'cli', 'main.js'), ...args]);

describe('the multiproc command', () => {
  it('prints its help on stdout and exits 0, with no arguments too', async () => {
    for (const args of [[], ['--help'], ['-h'], ['help']]) {
      const result = await multiproc(...args);
      assert.equal(result.code, 0, args.join(' '));
      assert.match(result.stdout, /^Usage:\n {2}multiproc run FILE/);
      assert.equal(result.stderr, '');
    }
  });

  it('prints the help of run on stdout and exits 0', async () => {
    for (const flag of ['--help', '-h']) {
      const result = await multiproc('run', flag);
      assert.equal(result.code, 0);
      assert.match(result.stdout, /^Usage: multiproc run FILE \[args…\]\n\nRun FILE/);
      assert.equal(result.stderr, '');
    }
  });

  it('reports usage errors on stderr, exit code 2, quoting what it was given', async () => {
    const cases: Array<[string[], string]> = [
      [['bogus'], "multiproc: unknown command 'bogus'.\nRun 'multiproc --help' for usage.\n"],
      [['run'], "multiproc run: missing FILE, the script to run.\nRun 'multiproc run --help' for usage.\n"],
      [['run', 'no-such-file.ts'], "multiproc run: file 'no-such-file.ts' does not exist.\nRun 'multiproc run --help' for usage.\n"],
    ];
    for (const [args, stderr] of cases) {
      const result = await multiproc(...args);
      assert.equal(result.code, 2, args.join(' '));
      assert.equal(result.stdout, '');
      assert.equal(result.stderr, stderr);
    }
  });
});
