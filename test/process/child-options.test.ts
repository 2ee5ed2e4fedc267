// env, cwd, execArgv, stdio and setExecutable(): what a child_process user expects, under every
// start method (execArgv: spawn only; elsewhere refused at start()).
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, realpathSync, writeFileSync, existsSync } from 'node:fs';
import { relative } from 'node:path';
import { text } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { activeChildren, getContext, Process, setExecutable, StartMethodError } from '../../src/index.ts';
import { inheritedExecArgv } from '../../src/paths.ts';
import { printBoth, reportChild } from '../fixtures/process/child-options-targets.ts';
import { readJson, runScript, tempPath, testedMethods, track } from '../helpers.ts';

describe('child options are checked in the house format', () => {
  const cases: [Record<string, unknown>, string, string][] = [
    [{ env: { A: 1 } }, 'TypeError', 'Expected `env.A` to be a string (or undefined to leave it out), got `1` (number).'],
    [{ env: 'A=1' }, 'TypeError', 'Expected `env` to be an object of strings, got `"A=1"` (string).'],
    [{ cwd: 3 }, 'TypeError', 'Expected `cwd` to be a directory path (string or file: URL), got `3` (number).'],
    [{ execArgv: '--inspect' }, 'TypeError', 'Expected `execArgv` to be an array of strings, got `"--inspect"` (string).'],
    [{ execArgv: [1] }, 'TypeError', 'Expected `execArgv[0]` to be a string, got `1` (number).'],
    [{ stdio: 'piped' }, 'RangeError', "Expected `stdio` to be one of 'inherit', 'pipe', 'ignore', got `\"piped\"` (string)."],
    [{ stdio: ['pipe'] }, 'TypeError', "Expected `stdio` to be one of 'inherit', 'pipe', 'ignore', got `[\"pipe\"]` (array)."],
  ];
  for (const [options, name, message] of cases) {
    it(message, () => {
      assert.throws(() => new Process({ target: reportChild, args: [''], ...options }), { name, message });
    });
  }

  it('takes a file: URL as cwd', () => {
    assert.doesNotThrow(() => new Process({ target: reportChild, args: [''], cwd: new URL('file:///tmp') }));
  });

  it('refuses a cwd that does not exist at start(), before any child exists', () => {
    const p = new Process({ target: reportChild, args: [''], cwd: '/nonexistent/multiproc' });
    assert.throws(() => p.start(), {
      name: 'RangeError',
      message: 'Expected `cwd` to be an existing directory, got `"/nonexistent/multiproc"` (string).',
    });
    assert.equal(p.pid, undefined);
    assert.equal(activeChildren().length, 0);
  });
});

for (const method of testedMethods()) {
  const { Process: P } = getContext(method);

  describe(`child options (${method})`, () => {
    it('env replaces the whole environment', async () => {
      const path = tempPath('report');
      const p = track(new P({ target: reportChild, args: [path], env: { MP_ONLY: 'yes', MP_SKIPPED: undefined, PATH: process.env.PATH } }));
      p.start();
      await p.join();
      assert.equal(p.exitCode, 0);
      assert.deepEqual(readJson(path).env, { MP_ONLY: 'yes', PATH: process.env.PATH });
    });

    it('without env the child has the parent environment', async () => {
      const path = tempPath('report');
      const p = track(new P({ target: reportChild, args: [path] }));
      p.start();
      await p.join();
      assert.equal(readJson(path).env.PATH, process.env.PATH);
    });

    it("cwd is the working directory before the target runs (relative to the parent's)", async () => {
      const dir = tempPath('cwd');
      mkdirSync(dir);
      const path = tempPath('report');
      const p = track(new P({ target: reportChild, args: [path], cwd: relative(process.cwd(), dir) }));
      p.start();
      await p.join();
      assert.equal(p.exitCode, 0);
      assert.equal(readJson(path).cwd, realpathSync(dir));
      assert.equal(process.cwd(), realpathSync(process.cwd())); // the parent did not move
    });

    it("stdio 'pipe' gives p.stdout and p.stderr as Readable streams", async () => {
      const path = tempPath('report');
      const q = track(new P({ target: reportChild, args: [path], stdio: 'pipe' }));
      assert.equal(q.stdout, null);
      q.start();
      const [, report] = await Promise.all([q.join(), Promise.all([text(q.stdout!), text(q.stderr!)])]);
      assert.deepEqual(report, ['', '']);
      assert.match(readJson(path).fd1, /^(pipe|socket):/); // child_process makes socket pairs
      const p = track(new P({ target: printBoth, args: ['to stdout', 'to stderr'], stdio: 'pipe' }));
      p.start();
      const [out, err] = await Promise.all([text(p.stdout!), text(p.stderr!), p.join()]);
      assert.equal(p.exitCode, 0);
      assert.equal(out, 'to stdout\n');
      assert.equal(err, 'to stderr\n');
    });

    it("stdio 'ignore' sends stdout and stderr to /dev/null", async () => {
      const path = tempPath('report');
      const p = track(new P({ target: reportChild, args: [path], stdio: 'ignore' }));
      p.start();
      await p.join();
      assert.equal(p.stdout, null);
      const report = readJson(path);
      assert.equal(report.fd1, '/dev/null');
      assert.equal(report.fd2, '/dev/null');
    });

    if (method === 'spawn') {
      it('execArgv replaces the inherited Node options', async () => {
        const path = tempPath('report');
        const p = track(new P({ target: reportChild, args: [path], execArgv: [...inheritedExecArgv(), '--max-old-space-size=123'] }));
        p.start();
        await p.join();
        assert.equal(p.exitCode, 0);
        assert.ok(readJson(path).execArgv.includes('--max-old-space-size=123'));
      });
    } else {
      it('execArgv is refused at start() with a StartMethodError', () => {
        const p = new P({ target: reportChild, args: [''], execArgv: ['--max-old-space-size=123'] });
        assert.throws(
          () => p.start(),
          (error: unknown) => {
            assert.ok(error instanceof StartMethodError);
            assert.equal(error.startMethod, method);
            assert.match(error.message, /only the 'spawn' start method can apply/);
            return true;
          },
        );
        assert.equal(p.pid, undefined);
      });
    }
  });
}

describe('setExecutable', () => {
  it('refuses a path that is not an executable file', () => {
    assert.throws(() => setExecutable('/nonexistent/node'), {
      name: 'RangeError',
      message: 'Expected `path` to be an existing executable file, got `"/nonexistent/node"` (string).',
    });
    assert.throws(() => setExecutable(3 as never), { name: 'TypeError' });
  });

  it('runs spawned children with the given executable', async () => {
    const marker = tempPath('marker');
    const wrapper = tempPath('node-wrapper');
    writeFileSync(wrapper, `#!/bin/sh\necho "$$" > '${marker}'\nexec '${process.execPath}' "$@"\n`);
    chmodSync(wrapper, 0o755);
    const { Process: P, setExecutable: set } = getContext('spawn');
    set(wrapper);
    try {
      const path = tempPath('report');
      const p = track(new P({ target: reportChild, args: [path] }));
      p.start();
      await p.join();
      assert.equal(p.exitCode, 0);
      assert.ok(existsSync(marker));
      assert.equal(Number(readJson(marker)), p.pid);
    } finally {
      setExecutable(process.execPath);
    }
  });
});

describe("a daemon's piped output", () => {
  for (const method of testedMethods()) {
    it(`does not keep the parent alive (${method})`, async () => {
      const script = fileURLToPath(new URL('../fixtures/process/daemon-pipe-main.ts', import.meta.url));
      const { code, stdout } = await runScript(script, [method]);
      assert.equal(code, 0);
      assert.equal(stdout, 'parent got: hello from the daemon\n');
    });
  }
});
