// What happens around the parent's exit, under every start method: daemon children are ended,
// non-daemon children are waited for, children of a SIGKILLed parent end promptly, and a child
// that reaches start() while importing its target's module is stopped (no fork bombs).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { getContext } from '../../src/index.ts';
import { startNested } from '../fixtures/process/waiting.ts';
import { isRunning, readJson, runScript, tempPath, testedMethods, track, trackPid, waitForExit } from '../helpers.ts';
import { ParentMode } from '../fixtures/scenarios.ts';

const parentMain = fileURLToPath(new URL('../fixtures/process/parent-main.ts', import.meta.url));
const unguarded = fileURLToPath(new URL('../fixtures/process/unguarded-main.ts', import.meta.url));
const failing = fileURLToPath(new URL('../fixtures/process/failing-main.ts', import.meta.url));

for (const method of testedMethods()) {
  describe(`exit rules (${method})`, () => {
    it('ends the children of a parent killed by SIGKILL', async () => {
      const ready = tempPath('ready');
      const result = await runScript(parentMain, [method, ParentMode.orphan, ready, tempPath(), tempPath()], {
        onLine: (line, scriptPid) => {
          if (line.startsWith('ready ') && scriptPid > 0) process.kill(scriptPid, 'SIGKILL');
        },
      });
      const childPid = Number(readFileSync(ready, 'utf8'));
      trackPid(childPid);
      assert.equal(result.signal, 'SIGKILL');
      await waitForExit(childPid, 10_000);
      assert.equal(isRunning(childPid), false);
    });

    it('terminates daemon children when the parent exits', async () => {
      const ready = tempPath('ready');
      const result = await runScript(parentMain, [method, ParentMode.daemon, ready, tempPath(), tempPath()]);
      assert.equal(result.code, 0, result.stderr);
      const childPid = Number(result.stdout.trim().split(' ')[1]);
      trackPid(childPid);
      await waitForExit(childPid, 10_000);
    });

    it('waits for non-daemon children before the parent exits', async () => {
      const ready = tempPath('ready');
      const gate = tempPath('gate');
      const done = tempPath('done');
      const run = runScript(parentMain, [method, ParentMode.nonDaemon, ready, gate, done], {
        onLine: (line) => {
          if (line.startsWith('ready ')) writeFileSync(gate, 'open');
        },
      });
      const result = await run;
      assert.equal(result.code, 0, result.stderr);
      assert.equal(readFileSync(done, 'utf8'), 'done', 'the child finished before the parent exited');
    });

    if (method === 'fork') {
      it('needs no guard: a forked child does not import the main module again', async () => {
        const result = await runScript(unguarded, [method]);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /^exitCode=0$/m);
      });
    } else {
      it('stops a child that reaches start() while importing its target module', async () => {
        const result = await runScript(unguarded, [method]);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /exitCode=1/);
        assert.match(result.stderr, /BootstrapError/);
        assert.match(result.stderr, /isMain\(import\.meta\)/);
      });
    }

    it("prints a child's uncaught error on its stderr under a `Process <name>:` header", async () => {
      const result = await runScript(failing, [method]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^exitCode=1$/m);
      assert.match(result.stderr, /^Process Exploder:\nRangeError: boom from the child\n\s+at (?:\S+\.)?explode \(.*failing-main\.ts/m);
    });

    it('forbids daemon processes from having children', async () => {
      const report = tempPath('report');
      const { Process } = getContext(method);
      const p = track(new Process({ target: startNested, args: [report, tempPath()], daemon: true }));
      p.start();
      await p.join();
      assert.equal(p.exitCode, 0);
      assert.match(readJson(report).error, /^ProcessStateError: .*daemon processes are not allowed to have children/);
    });
  });
}
