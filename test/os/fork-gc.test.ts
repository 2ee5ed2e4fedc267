// Forked children that collect garbage must not hang. A full GC makes V8 post a job to the
// platform's worker threads; the copied condition variable of their task queue still counted
// the parent's idle worker threads as waiters, and glibc's pthread_cond_signal waited for them
// forever (seen with gdb: __condvar_quiesce_and_switch_g1 under NodePlatform::CallOnWorkerThread).
// The addon re-initializes, in the child, the condvars other threads were waiting in at fork.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { loadNative } from '../../src/native/binding.ts';
import { runNode } from '../fixtures/os-helpers.ts';

const script = new URL('../fixtures/os/fork-gc-stress.mjs', import.meta.url).pathname;
const skip =
  loadNative() === null
    ? 'the native addon is not built'
    : existsSync(new URL('../../dist/os.js', import.meta.url))
      ? false
      : 'dist/ is not built';

test(
  "12 forked children, each running six full garbage collections, all end (none hangs in the platform's task queue)",
  { skip },
  async () => {
    // Each child has its own 30 s hang detector; the whole run gets 12 of them.
    const { code, stdout, stderr } = await runNode(['--single-threaded', '--expose-gc', script, '12'], { timeoutMs: 12 * 30_000 });
    assert.equal(code, 0, `${stdout}\n${stderr}`);
    assert.match(stdout, /children 12 hangs 0/);
  },
);
