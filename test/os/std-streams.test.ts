// fork() and the `fork` start method in a process whose stdout is a pipe, a file or a terminal,
// met the way users meet it (issue 15): a node:test file, run as a subprocess with the spec and
// the tap reporters, whose tests start `fork` children and os.fork() children. What the parent
// had queued (the reporter's piped stream, its own pending writes) is written once, by the
// parent; every child exits 0 and its own line arrives.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { getAllStartMethods } from '../../src/context.ts';
import { runScript, tempPath, testedMethods, trackPid } from '../helpers.ts';

const fixture = fileURLToPath(new URL('../fixtures/os/node-test-forks.ts', import.meta.url));
const COUNT = 8;
// How this suite runs TypeScript (scripts/test.mjs), without its --test flags.
const nodeArgs = process.execArgv.filter((arg) => !arg.startsWith('--test'));
const hasScript = spawnSync('script', ['--version']).status === 0;

type Reporter = 'spec' | 'tap';
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

// Runs the fixture with `reporter`; `runner`: through `node --test` (the file's stdout is then a
// pipe to the runner, carrying its protocol); `stdout`: 'pipe' (default), 'tty' (through `script`)
// or a file path.
function runFixture(reporter: Reporter, options: { parentBytes?: number; runner?: boolean; stdout?: string } = {}): Promise<Run> {
  const args = [...nodeArgs, ...(options.runner === true ? ['--test'] : []), `--test-reporter=${reporter}`, fixture];
  const env: NodeJS.ProcessEnv = { ...process.env, FORK_TESTS: String(COUNT), PARENT_BYTES: String(options.parentBytes ?? 0) };
  delete env['NODE_TEST_CONTEXT']; // a test process of its own, not a subtest of this one
  const target = options.stdout ?? 'pipe';
  const file = target !== 'pipe' && target !== 'tty' ? openSync(target, 'w') : null;
  const [command, commandArgs] =
    target === 'tty'
      ? ['script', ['-qfec', [process.execPath, ...args].map((arg) => `'${arg}'`).join(' '), '/dev/null']]
      : [process.execPath, args];
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { env, stdio: ['ignore', file ?? 'pipe', 'pipe'] });
    trackPid(child.pid ?? 0);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (file !== null) {
        closeSync(file);
        stdout = readFileSync(target, 'utf8');
      }
      resolve({ code, stdout, stderr });
    });
  });
}

function count(text: string, what: string): number {
  return text.split(what).length - 1;
}

// Every test reported once and passed, every child's own line there once, nothing else repeated.
function assertOnce(run: Run, reporter: Reporter): void {
  assert.equal(run.code, 0, run.stderr + run.stdout.slice(-2000));
  for (let i = 0; i < COUNT; i++) {
    const name = `fork test ${i} with a Process child and an os.fork() child`;
    const line = reporter === 'tap' ? `ok ${i + 1} - ${name}` : name;
    assert.equal(count(run.stdout, line), 1, `"${line}" once`);
    assert.equal(count(run.stdout, `not ok ${i + 1} -`), 0);
    assert.equal(
      count(run.stdout, `child line process ${i}\n`) + count(run.stdout, `child line process ${i}\r\n`),
      1,
      `child line process ${i}`,
    );
    assert.equal(count(run.stdout, `child line os ${i}\n`) + count(run.stdout, `child line os ${i}\r\n`), 1, `child line os ${i}`);
  }
  assert.equal(count(run.stdout, reporter === 'tap' ? 'TAP version 13' : 'ℹ tests '), 1, 'one header / one summary');
  assert.match(run.stdout, reporter === 'tap' ? new RegExp(`# pass ${COUNT}\\b`) : new RegExp(`ℹ pass ${COUNT}\\b`));
}

// The fixture's tests start `fork`-context children: where this Node has no `fork` start method
// (Node 24: docs/DECISIONS.md) there is nothing to check.
const forkMethod = getAllStartMethods().includes('fork') ? false : 'no fork start method on this Node';

describe('fork children of a node:test file (issue 15)', { skip: forkMethod }, () => {
  for (const reporter of ['spec', 'tap'] as const) {
    it(`${reporter} reporter into a pipe: each result once, every child exits 0`, async () => {
      assertOnce(await runFixture(reporter), reporter);
    });

    it(`${reporter} reporter into a pipe with the parent's own writes queued at each fork`, async () => {
      const run = await runFixture(reporter, { parentBytes: 1 << 20 });
      assertOnce(run, reporter);
      const queued = [...run.stderr.matchAll(/^queued at fork: (\d+)$/gm)].map((match) => Number(match[1]));
      assert.equal(queued.length, COUNT);
      assert.ok(
        queued.every((bytes) => bytes > 0),
        `stdout held output at every fork: ${queued.join(' ')}`,
      );
      for (let i = 0; i < COUNT; i++) assert.equal(count(run.stdout, `parent line ${i} `), 1, `parent line ${i} once`);
    });

    it(`${reporter} reporter into a file`, async () => {
      assertOnce(await runFixture(reporter, { stdout: tempPath('out') }), reporter);
    });

    it(`${reporter} reporter into a terminal (script)`, { skip: hasScript ? false : 'no `script` command here' }, async () => {
      assertOnce(await runFixture(reporter, { stdout: 'tty' }), reporter);
    });
  }

  it('under the test runner (node --test: the file writes its results into a pipe to the runner)', async () => {
    assertOnce(await runFixture('spec', { runner: true }), 'spec');
  });
});

// A parent that never made process.stdout/stderr (made on first use): its forked children do not
// make them to look for queued output (src/os/std-streams.ts), and still write through them.
describe(
  'stdout and stderr the parent never made',
  { skip: testedMethods().includes('fork') ? false : 'fork needs --single-threaded here' },
  () => {
    const unmade = fileURLToPath(new URL('../fixtures/os/unmade-stdio.ts', import.meta.url));
    for (const how of ['fork', 'os'] as const) {
      it(`a ${how === 'os' ? 'os.fork()' : 'fork start method'} child writes through them, once`, async () => {
        const run = await runScript(unmade, [how]);
        assert.equal(run.code, 0, run.stderr);
        const prefix = how === 'os' ? 'os child' : 'fork child';
        assert.equal(run.stdout, `${prefix} out\nparent: child ended 0\n`);
        assert.equal(run.stderr, `${prefix} err\n`);
      });
    }
  },
);
