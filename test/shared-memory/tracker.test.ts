// The resource tracker: a segment whose creator ends without unlink() (exit, crash, SIGKILL) is
// removed; an unlinked one is forgotten; `track: false` opts out. Under every start method for
// children, and for a plain script.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { getContext, Pipe, SharedMemory } from '../../src/index.ts';
import { loadNative } from '../../src/native/binding.ts';
import { createThen } from '../fixtures/shared-memory/targets.ts';
import { runScript, testedMethods, track } from '../helpers.ts';
import { Leaker } from '../fixtures/scenarios.ts';

const skip = loadNative() === null ? 'the native addon is not built' : false;
const leaker = new URL('../fixtures/shared-memory/leaker.ts', import.meta.url).pathname;

/** Resolves once `path` is gone; rejects after `timeoutMs`. */
async function gone(path: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} still exists after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

for (const method of testedMethods()) {
  const { Process } = getContext(method);

  describe(`resource tracker (${method} children)`, { skip }, () => {
    it('removes a segment whose creator was killed (SIGKILL)', async () => {
      const [report, childEnd] = Pipe();
      const p = track(new Process({ target: createThen, args: [childEnd, 'wait'] }));
      p.start();
      childEnd.close();
      const name = await report.recv<string>();
      assert.ok(existsSync(`/dev/shm/${name}`));
      p.kill();
      await p.join();
      await gone(`/dev/shm/${name}`);
      report.close();
    });

    it('removes a segment whose creator exited without unlink(); keeps one created with track: false', async () => {
      const [report, childEnd] = Pipe();
      const p = track(new Process({ target: createThen, args: [childEnd, 'exit'] }));
      const q = track(new Process({ target: createThen, args: [childEnd, 'exit', false] }));
      p.start();
      q.start();
      childEnd.close();
      const names = [await report.recv<string>(), await report.recv<string>()];
      await Promise.all([p.join(), q.join()]);
      report.close();
      // Which child answered first is not known: one name goes away, the other stays.
      const deadline = Date.now() + 15_000;
      while (names.every((name) => existsSync(`/dev/shm/${name}`)) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      const left = names.filter((name) => existsSync(`/dev/shm/${name}`));
      assert.equal(left.length, 1, 'exactly the untracked segment is left');
      new SharedMemory({ name: left[0] as string }).unlink();
    });

    it('forgets a segment its creator unlinked', async () => {
      const [report, childEnd] = Pipe();
      const p = track(new Process({ target: createThen, args: [childEnd, 'unlink'] }));
      p.start();
      childEnd.close();
      const name = await report.recv<string>();
      await p.join();
      assert.equal(p.exitCode, 0);
      assert.equal(existsSync(`/dev/shm/${name}`), false);
      report.close();
    });
  });
}

describe('resource tracker (a script)', { skip }, () => {
  it('runs as a small sh process in its own session, and cleans up when the script exits', async () => {
    const { code, stdout, stderr } = await runScript(leaker, [Leaker.exit]);
    assert.equal(code, 0, stderr);
    const { name, tracker } = JSON.parse(stdout) as { name: string; tracker: number };
    assert.equal(typeof tracker, 'number');
    await gone(`/dev/shm/${name}`);
    assert.match(
      stderr,
      new RegExp(`removed the shared memory segment ${name}: the process that created it \\(\\d+\\) ended without unlinking it`),
    );
  });

  it('cleans up after a script killed by SIGKILL; its tracker ignores SIGTERM and SIGINT', async () => {
    let info: { name: string; tracker: number } | undefined;
    const run = runScript(leaker, [Leaker.wait], {
      onLine: (line, pid) => {
        info = JSON.parse(line) as { name: string; tracker: number };
        const stat = readFileSync(`/proc/${info.tracker}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        assert.equal(Number(fields[3]), info.tracker, 'the tracker leads its own session');
        // Its shell ignores them from its `trap` on: a signal sent before its first line ran would
        // end it (a start-up window, not what this checks). Wait for the trap to be in place.
        const deadline = Date.now() + 30_000;
        while (!ignoresTermAndInt(info.tracker)) assert.ok(Date.now() < deadline, 'the tracker set its trap within 30 s');
        process.kill(info.tracker, 'SIGTERM');
        process.kill(info.tracker, 'SIGINT');
        process.kill(pid, 'SIGKILL');
      },
    });
    const { signal } = await run;
    assert.equal(signal, 'SIGKILL');
    assert.ok(info !== undefined);
    await gone(`/dev/shm/${info.name}`);
  });

  it('leaves an untracked segment', async () => {
    const { code, stdout } = await runScript(leaker, [Leaker.exit, Leaker.untracked]);
    assert.equal(code, 0);
    const { name, tracker } = JSON.parse(stdout) as { name: string; tracker: number | null };
    assert.equal(tracker, null, 'no tracker was started for it');
    assert.ok(existsSync(`/dev/shm/${name}`));
    new SharedMemory({ name }).unlink();
  });
});

// Whether `pid` ignores SIGTERM (15) and SIGINT (2): its SigIgn mask in /proc.
function ignoresTermAndInt(pid: number): boolean {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('SigIgn:'));
  const mask = BigInt(`0x${line?.split(/\s+/)[1] ?? '0'}`);
  return (mask & (1n << 14n)) !== 0n && (mask & (1n << 1n)) !== 0n;
}
