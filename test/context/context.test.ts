// Contexts and start-method selection.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { loadNative } from '../../src/native/binding.ts';
import { cpuCount, getAllStartMethods, getContext, getStartMethod, Process, ProcessStateError, setStartMethod } from '../../src/index.ts';

describe('contexts', () => {
  it('offers spawn everywhere and puts the default first', () => {
    const methods = getAllStartMethods();
    assert.ok(methods.includes('spawn'));
    assert.equal(methods[0], getStartMethod());
  });

  it('returns one context per method, carrying the API', () => {
    const ctx = getContext('spawn');
    assert.equal(getContext('spawn'), ctx);
    assert.equal(ctx.getStartMethod(), 'spawn');
    const p = new ctx.Process();
    assert.ok(p instanceof Process);
    assert.equal(p.startMethod, 'spawn');
    assert.match(p.name, /^Process-\d+$/);
    assert.equal(typeof ctx.currentProcess, 'function');
    assert.equal(getContext().getStartMethod(), getStartMethod());
  });

  it('rejects unknown method names with the house message', () => {
    assert.throws(() => getContext('thread' as never), {
      name: 'RangeError',
      message: "Expected `method` to be one of 'fork', 'spawn', 'forkserver', got `\"thread\"` (string).",
    });
    assert.throws(() => getContext(3 as never), { name: 'TypeError' });
  });

  it('sets the default start method once, unless forced', () => {
    const before = getStartMethod();
    setStartMethod('spawn', { force: true });
    assert.equal(getStartMethod(), 'spawn');
    assert.equal(new Process().startMethod, 'spawn');
    assert.throws(() => setStartMethod('spawn'), ProcessStateError);
    setStartMethod(before, { force: true });
    setStartMethod(null, { force: true });
    assert.equal(getStartMethod(), before);
  });

  it('counts CPUs', () => {
    assert.ok(Number.isInteger(cpuCount()) && cpuCount() >= 1);
  });
});

describe(
  'the fork start method where it cannot work',
  { skip: loadNative() === null ? 'fork needs the native addon: without it, fork is refused for that reason (test/portable)' : false },
  () => {
    const fixture = fileURLToPath(new URL('../fixtures/os/refusals.ts', import.meta.url));
    const ask = (flags: string[]) => {
      const run = spawnSync(process.execPath, [...flags, fixture], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      return (JSON.parse(run.stdout) as Record<string, { name: string; message: string; startMethod: string } | null>).getContext;
    };

    it('is refused without --single-threaded, pointing to multiproc run and forkserver', () => {
      const error = ask(['--import', 'tsx']);
      assert.equal(error?.name, 'StartMethodError');
      assert.equal(error?.startMethod, 'fork');
      assert.match(error?.message ?? '', /only works in a process started with `node --single-threaded`/);
      assert.match(error?.message ?? '', /npx multiproc run FILE/);
      assert.match(error?.message ?? '', /'forkserver'/);
    });

    it('is refused with a loader thread (tsx via --import), --expose-internals or not: that thread makes fork() unsafe', () => {
      for (const flags of [
        ['--single-threaded', '--import', 'tsx'],
        ['--single-threaded', '--expose-internals', '--import', 'tsx'],
      ]) {
        const error = ask(flags);
        assert.equal(error?.name, 'StartMethodError');
        assert.match(error?.message ?? '', /hooks on a loader thread/);
        assert.match(error?.message ?? '', /npx multiproc run FILE/);
      }
    });
  },
);
