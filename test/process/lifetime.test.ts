// A child's lifetime, under every start method: it ends when its target has settled and its
// event loop has nothing left, as a Node.js program ends (issue 15): a timer or a server the
// target left behind keeps it alive, `process.exitCode` is its exit code, unref'd handles do
// not keep it alive, and an uncaught error after the target returned ends it with 1.
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { getContext, Pipe } from '../../src/index.ts';
import { serveOnce, setExitCode, timerAfterReturn, unrefdHandles } from '../fixtures/process/lifetime-targets.ts';
import { runScript, testedMethods, track } from '../helpers.ts';

const lateError = fileURLToPath(new URL('../fixtures/process/late-error-main.ts', import.meta.url));
// Only a guard against a hang: the child ends by itself well before.
const HANG_MS = 60_000;

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/' }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

for (const method of testedMethods()) {
  const { Process } = getContext(method);

  describe(`a child's lifetime (${method})`, () => {
    it('lives on for a timer its target set, then ends with 0', async () => {
      const [mine, theirs] = Pipe();
      const p = track(new Process({ target: timerAfterReturn, args: [theirs, 300] }));
      p.start();
      theirs.close();
      assert.equal(await mine.recv(), 'fired');
      mine.close();
      assert.equal(await p.join(HANG_MS), undefined);
      assert.equal(p.exitCode, 0);
    });

    it('keeps serving from a server its target started (a request from the parent)', async () => {
      const [mine, theirs] = Pipe();
      const p = track(new Process({ target: serveOnce, args: [theirs] }));
      p.start();
      theirs.close();
      const port = await mine.recv<number>();
      mine.close();
      assert.equal(await httpGet(port), `hello from ${p.pid}`);
      await p.join(HANG_MS);
      assert.equal(p.exitCode, 0, 'ends once the server closed');
    });

    it('ends with the process.exitCode its target set', async () => {
      const p = track(new Process({ target: setExitCode, args: [7] }));
      p.start();
      await p.join(HANG_MS);
      assert.equal(p.exitCode, 7);
    });

    it("is not kept alive by unref'd timers and servers", async () => {
      const [mine, theirs] = Pipe();
      const p = track(new Process({ target: unrefdHandles, args: [theirs] }));
      p.start();
      theirs.close();
      assert.equal(await mine.recv(), 'returned');
      await p.join(HANG_MS);
      assert.equal(p.exitCode, 0, "ended with its unref'd timer (60 s) still pending");
      mine.close();
    });

    it('ends with 1 after an uncaught error thrown once its target returned, its stack printed', async () => {
      const result = await runScript(lateError, [method]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^exitCode=1$/m);
      assert.match(result.stderr, /RangeError: late boom from the child\n\s+at (?:\S+\.)?_onTimeout .*lifetime-targets\.ts/);
    });
  });
}
