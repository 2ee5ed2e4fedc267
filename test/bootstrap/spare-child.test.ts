// The fork server's warm spare (src/bootstrap/spare-child.ts): the child forked ahead of a start
// becomes that Process whole (its own pid, env, cwd, stdio, exit code), a module the server first
// imports after forking it still reaches the child (the stale spare is dropped, not used), and a
// spare nobody uses ends and is reaped.
import assert from 'node:assert/strict';
import { existsSync, realpathSync } from 'node:fs';
import { text } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import { getContext } from '../../src/index.ts';
import { printBoth, reportChild } from '../fixtures/process/child-options-targets.ts';
import { newSpares } from './spares.ts';
import { readJson, tempPath, testedMethods, track, waitForExit } from '../helpers.ts';

const ctx = getContext('forkserver');

// The pid of a spare of this process's fork server; waits for one (it is forked once the server
// answered a start).
async function spareOfThisProcess(): Promise<number> {
  return [...(await newSpares(new Set(), 1))][0] as number;
}

describe('the fork server spare', { skip: testedMethods().includes('forkserver') ? false : 'no forkserver start method here' }, () => {
  it('becomes the next Process whole: its pid, env, cwd, stdio and exit code', async () => {
    // A start→join loop that waits for each spare before its next start: the server learns that
    // pace (src/bootstrap/spare-policy.ts) and keeps its spares for a few of those intervals.
    for (let i = 0; i < 3; i++) {
      const first = track(new ctx.Process({ target: reportChild, args: [tempPath('first')] }));
      first.start();
      await first.join();
      assert.equal(first.exitCode, 0);
      await spareOfThisProcess();
    }
    const spare = await spareOfThisProcess();
    const path = tempPath('spare');
    const cwd = realpathSync('/tmp');
    const p = track(new ctx.Process({ target: reportChild, args: [path], env: { ...process.env, SPARE_MARK: 'yes' }, cwd, stdio: 'pipe' }));
    p.start();
    assert.equal(p.pid, spare, 'the start request went to the spare');
    await p.join();
    assert.equal(p.exitCode, 0);
    const seen = readJson<{ env: Record<string, string>; cwd: string; fd1: string; fd2: string }>(path);
    assert.equal(seen.env['SPARE_MARK'], 'yes');
    assert.equal(seen.cwd, cwd);
    assert.match(seen.fd1, /^pipe:/);
    assert.match(seen.fd2, /^pipe:/);

    // The next one too: its output arrives through its pipes, once.
    const next = await spareOfThisProcess();
    const printer = track(new ctx.Process({ target: printBoth, args: ['out line', 'err line'], stdio: 'pipe' }));
    printer.start();
    assert.equal(printer.pid, next);
    const [out, err] = await Promise.all([text(printer.stdout!), text(printer.stderr!), printer.join()]);
    assert.equal(out, 'out line\n');
    assert.equal(err, 'err line\n');
    assert.equal(printer.exitCode, 0);
  });

  it('is not used for a target whose module the server imported after forking it; it ends and is reaped', async () => {
    const warm = track(new ctx.Process({ target: reportChild, args: [tempPath('warm')] }));
    warm.start();
    await warm.join();
    const stale = await spareOfThisProcess();
    // A module this test file did not import (so the server had not either).
    const { exitWith } = await import('../fixtures/bootstrap/spare-targets.ts');
    const p = track(new ctx.Process({ target: exitWith, args: [7] }));
    p.start();
    assert.notEqual(p.pid, stale);
    await p.join();
    assert.equal(p.exitCode, 7);
    await waitForExit(stale);
    // Reaped by the server, not left a zombie: its /proc entry goes.
    const deadline = Date.now() + 20_000;
    while (existsSync(`/proc/${stale}`) && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(existsSync(`/proc/${stale}`), false, `spare ${stale} was not reaped`);
  });
});
