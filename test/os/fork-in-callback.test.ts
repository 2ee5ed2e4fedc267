// fork() called from inside a libuv callback: the child returns into the parent's libuv frame
// (the fork happens in a callback, or in the microtasks Node runs before that callback returns).
// From an fs.watch callback, libuv's own after-fork reset (uv_loop_fork) freed the inotify
// watcher list that frame was iterating and closed its inotify fd: the child aborted (SIGABRT,
// exit code -6) on its next read of that fd (issue 15). Each child here must end with 0.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { getContext } from '../../src/index.ts';
import { fork, waitpid } from '../../src/os.ts';
import { exitWith } from '../fixtures/targets.ts';
import { watchFor } from '../fixtures/os/watch-targets.ts';
import { joinOrExplain } from '../diagnose.ts';
import { tempPath, testedMethods, track, waitForFile } from '../helpers.ts';

/** Calls `then` from inside an fs.watch callback, after closing that watcher (as waitForFile does). */
function insideWatchCallback<T>(then: () => T): Promise<T> {
  const path = tempPath('watched');
  return new Promise((resolve, reject) => {
    const watcher = watch(path.slice(0, path.lastIndexOf('/')), () => {
      watcher.close();
      try {
        resolve(then());
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    writeFileSync(path, 'x');
  });
}

describe('fork() from inside an fs.watch callback (issue 15)', () => {
  for (const method of testedMethods()) {
    const { Process } = getContext(method);
    it(`a ${method} child started in the callback ends with its own exit code`, async () => {
      const child = await insideWatchCallback(() => {
        const p = track(new Process({ target: exitWith, args: [0] }));
        p.start();
        return p;
      });
      assert.equal(await joinOrExplain(child), 0);
    });

    it(`a ${method} child started right after await waitForFile() ends with its own exit code`, async () => {
      const path = tempPath('ready');
      const waited = waitForFile(path);
      writeFileSync(path, 'x');
      await waited; // resumed in the microtasks of the watch callback when the file appeared after the watch
      const p = track(new Process({ target: exitWith, args: [0] }));
      p.start();
      assert.equal(await joinOrExplain(p), 0);
    });

    it(`a ${method} child started in the callback watches files of its own`, async () => {
      const dir = tempPath('child-watches');
      const ready = tempPath('ready');
      const child = await insideWatchCallback(() => {
        const p = track(new Process({ target: watchFor, args: [dir, 'seen', ready] }));
        p.start();
        return p;
      });
      await waitForFile(ready, 60_000);
      writeFileSync(join(dir, 'seen'), '');
      assert.equal(await joinOrExplain(child, 60_000), 0);
    });
  }

  it("the parent's watch goes on after a child forked in its callback closed its copy", { timeout: 120_000 }, async () => {
    const dir = tempPath('parent-watches');
    mkdirSync(dir);
    const { Process } = getContext(testedMethods().includes('fork') ? 'fork' : 'spawn');
    let child: InstanceType<typeof Process> | undefined;
    const seen = new Set<string>();
    let notify = (): void => undefined;
    const watcher = watch(dir, (_event, name) => {
      seen.add(String(name));
      // The first event: a child forked here, while this watch stays open in the parent.
      child ??= track(new Process({ target: exitWith, args: [0] }));
      if (child.pid === undefined) child.start();
      notify();
    });
    try {
      writeFileSync(join(dir, 'first'), '');
      while (child === undefined) await new Promise<void>((resolve) => (notify = resolve));
      assert.equal(await joinOrExplain(child), 0);
      writeFileSync(join(dir, 'second'), ''); // after the child closed its copy of the watch and ended
      while (!seen.has('second')) await new Promise<void>((resolve) => (notify = resolve));
      assert.ok(existsSync(join(dir, 'second')));
    } finally {
      watcher.close();
    }
  });

  it('an os.fork() child forked in the callback ends with 0', async () => {
    const pid = await insideWatchCallback(() => fork());
    if (pid === 0) return; // the child: its code ends here (the loop-end ends it with 0)
    const status = await waitpid(pid);
    assert.deepEqual({ exitCode: status?.exitCode, signal: status?.signal }, { exitCode: 0, signal: null });
  });
});
