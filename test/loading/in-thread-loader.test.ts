// tsx's ESM hooks in the thread of a process that forks (src/loading/in-thread-loader.ts): taking
// them must not start tsx's loader thread (module.register), whose pending requests a forked
// child inherits as a reference that keeps its event loop alive forever.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runScript } from '../helpers.ts';

const fixture = fileURLToPath(new URL('../fixtures/loading/hooks-thread.ts', import.meta.url));
const inThread = process.execArgv.some((arg) => arg.endsWith('in-thread-ts.js'));

it('runTsxHooksInThread starts no thread', { skip: inThread ? false : 'the suite is not run with the in-thread preload' }, async () => {
  const { code, stdout, stderr } = await runScript(fixture);
  assert.equal(code, 0, stderr);
  const { ran, before, after } = JSON.parse(stdout) as { ran: boolean; before: number; after: number };
  assert.equal(ran, true, "tsx's hooks were taken into this thread");
  assert.equal(after, before, `threads before ${before}, after ${after}`);
});
