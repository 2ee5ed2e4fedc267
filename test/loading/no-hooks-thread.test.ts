// The fork server runs tsx's ESM hooks in its own thread (src/loading/in-thread-loader.ts): no
// module-hooks thread may be started on the way, which importing tsx's ESM entry does by itself
// (src/loading/no-hooks-thread.ts). A fork server with that thread forked children that inherited
// Node's reference to it while a request to it was pending: their event loop never ended.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixture, runNode } from '../fixtures/os-helpers.ts';

// How this suite runs TypeScript (scripts/test.mjs), without its --test flags.
const nodeArgs = process.execArgv.filter((arg) => !arg.startsWith('--test'));

async function run(kase: string): Promise<{ ready: boolean | null; workers: number; registerRestored: boolean }> {
  const result = await runNode([...nodeArgs, fixture('loading/hooks-thread.ts'), kase], {
    env: { ...process.env, ESBUILD_WORKER_THREADS: '0' },
    timeoutMs: 60_000,
  });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? 'null') as never;
}

describe('no module-hooks thread in a process that forks (issue 15)', () => {
  it(
    "runTsxHooksInThread runs tsx's hooks with no worker thread started",
    { skip: nodeArgs.includes('--expose-internals') ? false : 'needs --expose-internals' },
    async () => {
      assert.deepEqual(await run('tsx'), { ready: true, workers: 0, registerRestored: true });
    },
  );

  it('importWithoutHooksThread withholds module.register from the directory named, and restores it', async () => {
    assert.deepEqual(await run('own'), { ready: null, workers: 0, registerRestored: true });
  });

  it("lets another module's module.register through (a user's loader still gets its thread)", async () => {
    assert.deepEqual(await run('other'), { ready: null, workers: 1, registerRestored: true });
  });
});
