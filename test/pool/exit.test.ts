// The pool and the parent's end: one SIGINT to the parent ends every worker (busy ones
// included), and a script that forgets close() still exits. Under every start method.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isRunning, runScript, tempPath, testedMethods, trackPid, waitForExit, waitForFile } from '../helpers.ts';

const forgotten = fileURLToPath(new URL('../fixtures/pool/forgotten-close.ts', import.meta.url));
const sigintMain = fileURLToPath(new URL('../fixtures/pool/sigint-main.ts', import.meta.url));

for (const method of testedMethods()) {
  describe(`Pool and the parent's end (${method})`, () => {
    it('one SIGINT to the parent ends every worker, busy ones included', async () => {
      const marker = tempPath('sigint');
      let pids: number[] = [];
      let parent = 0;
      let announced = () => undefined as void;
      const pidsLine = new Promise<void>((resolve) => (announced = resolve));
      const run = runScript(sigintMain, [method, marker], {
        onLine: (line, pid) => {
          if (!line.startsWith('pids ')) return;
          pids = line.slice(5).split(',').map(Number);
          parent = pid;
          for (const p of pids) trackPid(p);
          announced();
        },
      });
      // The pids line may be read after the files appear: wait for both.
      await Promise.race([pidsLine, run]);
      await waitForFile(`${marker}-a`);
      await waitForFile(`${marker}-b`);
      assert.equal(pids.length, 2);
      process.kill(parent, 'SIGINT');
      const result = await run;
      assert.equal(result.signal, 'SIGINT');
      for (const p of pids) await waitForExit(p);
      assert.deepEqual(pids.filter(isRunning), []);
    });

    it('a script that forgets close() exits on its own', async () => {
      const result = await runScript(forgotten, [method]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /result \[1,4,9\]/);
    });
  });
}
