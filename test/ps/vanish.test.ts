// A process that exits while ps reads it is skipped, never an error.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { createProcSource, listProcesses, type ProcNode, type ProcSource, type ProcTree } from '../../src/ps/index.ts';
import { fakeProc, standardSpec, type FakeProcRoot } from './fake-proc.ts';
import { exited, exists, kill, startSleeper } from './live.ts';

const roots: FakeProcRoot[] = [];
const children: ChildProcess[] = [];
after(async () => {
  for (const root of roots) root.remove();
  for (const child of children) kill(child.pid!);
  await Promise.all(children.map(exited));
  for (const child of children) assert.equal(exists(child.pid!), false, `child ${child.pid} reaped`);
});

const pids = (trees: ProcTree[]): number[] => {
  const out: number[] = [];
  const walk = (n: ProcNode): void => {
    if (n.state !== 'X') out.push(n.pid); // X: a root read as exited
    n.children.forEach(walk);
  };
  trees.forEach(walk);
  return out.sort((a, b) => a - b);
};

describe('ps: processes that vanish mid-read (injected errors)', () => {
  for (const file of ['stat', 'cmdline', 'status', 'environ', 'syscall', 'wchan']) {
    for (const code of ['ENOENT', 'ESRCH']) {
      it(`${code} on /proc/PID/${file}`, async () => {
        const spec = standardSpec();
        spec.errors = { [`101/${file}`]: code, [`105/${file}`]: code };
        const fake = fakeProc(spec);
        roots.push(fake);
        const trees = await listProcesses({ source: fake.source });
        const shown = pids(trees);
        // ESRCH on environ/syscall/wchan: the process lives on as a zombie-to-be, only that field is unknown.
        const dropped = code === 'ENOENT' || ['stat', 'cmdline', 'status'].includes(file);
        assert.equal(shown.includes(101), !dropped, `101 shown: ${shown.join(',')}`);
        assert.equal(shown.includes(105), !dropped);
        assert.ok(shown.includes(103) && shown.includes(102), 'the others are still there');
        if (dropped) {
          // Process-1's children lost their parent: they hang from it as orphans.
          const p1 = trees.find((t) => t.pid === 101);
          assert.equal(p1?.state, 'X');
          assert.ok(p1?.children.every((c) => c.orphan));
        }
      });
    }
  }

  it('a pid listed but gone before its stat is read', async () => {
    const fake = fakeProc(standardSpec());
    roots.push(fake);
    const source: ProcSource = { ...fake.source, listPids: async () => [...(await fake.source.listPids()), 99999] };
    source.readProcFile = fake.source.readProcFile.bind(fake.source);
    assert.equal(pids(await listProcesses({ source })).includes(99999), false);
  });
});

describe('ps: a real process killed while ps reads it', () => {
  for (const moment of ['cmdline', 'status', 'syscall']) {
    it(`killed and reaped just before its ${moment} is read`, async () => {
      const victim = await startSleeper('Victim-1');
      const survivor = await startSleeper('Survivor-1');
      children.push(victim, survivor);
      const real = createProcSource();
      let killed = false;
      const source: ProcSource = {
        clockTicks: real.clockTicks,
        arch: real.arch,
        listPids: () => real.listPids(),
        uptimeSeconds: () => real.uptimeSeconds(),
        async readProcFile(pid, file) {
          if (pid === victim.pid && file === moment && !killed) {
            killed = true;
            kill(pid);
            await exited(victim); // reaped: /proc/PID is gone, the read below fails for real
          }
          return real.readProcFile(pid, file);
        },
      };
      const trees = await listProcesses({ source, pid: process.pid });
      assert.equal(killed, true);
      const shown = pids(trees);
      assert.equal(shown.includes(victim.pid!), false);
      assert.ok(shown.includes(survivor.pid!), `survivor ${survivor.pid} in ${shown.join(',')}`);
      kill(survivor.pid!);
      await exited(survivor);
    });
  }
});
