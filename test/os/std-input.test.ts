// stdin of a forked child (src/os/std-input.ts): a parent reads its stdin (a pipe, or a terminal
// through `script`) that the test keeps open, and starts children meanwhile, under each start
// method and with os.fork(). A child that returns ends with 0 while the parent's stdin is still
// open, and every line the test writes after the fork reaches the parent. A Process child's
// fd 0 is /dev/null (Python's multiprocessing: `_close_stdin`), its process.stdin a fresh stream
// that ends at once; an os.fork() child keeps fd 0 (POSIX) but not the parent's stream.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { describeProcessTree } from '../diagnose.ts';
import { testedMethods, trackPid } from '../helpers.ts';

const fixture = fileURLToPath(new URL('../fixtures/os/stdin-parent.ts', import.meta.url));
// How this suite runs TypeScript (scripts/test.mjs), without its --test flags.
const nodeArgs = process.execArgv.filter((arg) => !arg.startsWith('--test'));
const hasScript = spawnSync('script', ['--version']).status === 0;
const LINES = 200;
const DEADLINE_MS = 120_000;

interface Said {
  parent: string;
  child: { fd0: string; destroyed: boolean; listeners: number; read: string };
  exit: string;
  noop: string;
  received: string[];
}

// What the parent's stdin is: a unix socket (child_process's 'pipe'), a pipe (a shell's `cat |`,
// as `producer | node parent`), or a terminal (through `script`).
type Input = 'socket' | 'pipe' | 'tty';

// Runs the parent with `method` ('os': os.fork()), its stdin `input`, open until the parent has
// reported everything. Each step waits for the parent's line; a parent that does not get there
// within the deadline fails the test (its process group killed).
function runParent(method: string, input: Input): Promise<Said> {
  const command = [process.execPath, ...nodeArgs, fixture, method];
  const quoted = command.map((arg) => `'${arg}'`).join(' ');
  const [file, args] =
    input === 'tty'
      ? ['script', ['-qfec', quoted, '/dev/null']]
      : input === 'pipe'
        ? ['sh', ['-c', `cat | ${quoted}`]]
        : [command[0] as string, command.slice(1)];
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    trackPid(child.pid ?? 0);
    const said: Record<string, string> = {};
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let lastStep = 'none';
    const timer = setTimeout(() => {
      timedOut = true;
      fail(new Error(`the parent did not finish within ${DEADLINE_MS} ms`));
    }, DEADLINE_MS);
    function fail(error: Error): void {
      clearTimeout(timer);
      // What each process of the run waits in, before they are killed (test/diagnose.ts).
      const tree = timedOut ? `\nprocesses:\n${describeProcessTree(child.pid ?? 0)}` : '';
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL'); // the group: sh or script, cat and the parent
      } catch {
        // already gone
      }
      reject(new Error(`${error.message}\nlast step: ${lastStep}${tree}\nstdout: ${stdout}\nstderr: ${stderr}`));
    }
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      pending += chunk;
      const complete = pending.slice(0, pending.lastIndexOf('\n') + 1);
      pending = pending.slice(complete.length);
      for (const match of complete.matchAll(/^@@ (\w+) ?(.*?)\r?$/gm)) {
        const [, key = '', value = ''] = match;
        said[key] = value;
        lastStep = `${key} ${value}`.trim().slice(0, 200);
        if (key === 'parent') child.stdin.write('start\n');
        if (key === 'child') {
          // After the fork, while the child runs: lines for the parent only, then 'go'.
          for (let i = 0; i < LINES; i++) child.stdin.write(`data ${i}\n`);
          child.stdin.write('go\n');
        }
        if (key === 'received') child.stdin.end(); // only now does the parent's stdin close
      }
    });
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 || said['received'] === undefined) return fail(new Error(`the parent ended with ${code ?? signal}`));
      resolve({
        parent: said['parent'] ?? '',
        child: JSON.parse(said['child'] ?? 'null') as Said['child'],
        exit: said['exit'] ?? '',
        noop: said['noop'] ?? '',
        received: JSON.parse(said['received']) as string[],
      });
    });
  });
}

function assertRun(said: Said, method: string, input: Input): void {
  assert.match(said.parent, { tty: /^\/dev\/pts\/\d+$/, pipe: /^pipe:\[\d+\]$/, socket: /^socket:\[\d+\]$/ }[input]);
  assert.equal(said.exit, '0', "the child ended with 0 while the parent's stdin was open");
  assert.equal(said.noop, '0', "a child whose target returns at once ended with 0 while the parent's stdin was open");
  const data = Array.from({ length: LINES }, (_, i) => `data ${i}`);
  assert.deepEqual(said.received, ['start', ...data, 'go'], 'every line written after the fork reached the parent');
  if (method === 'os') {
    assert.deepEqual(
      said.child,
      { fd0: said.parent, destroyed: false, listeners: 0, read: '' },
      "fd 0 kept, the parent's stream and listeners not",
    );
  } else {
    assert.deepEqual(
      said.child,
      { fd0: '/dev/null', destroyed: false, listeners: 0, read: '' },
      'stdin is /dev/null, read to its end at once',
    );
  }
}

describe('stdin of a child while its parent reads its own (issue 15)', () => {
  for (const method of [...testedMethods(), 'os']) {
    for (const input of ['socket', 'pipe'] as const) {
      it(`${method}: stdin a ${input}`, async () => {
        assertRun(await runParent(method, input), method, input);
      });
    }

    it(`${method}: stdin a terminal (script)`, { skip: hasScript ? false : 'no `script` command here' }, async () => {
      assertRun(await runParent(method, 'tty'), method, 'tty');
    });
  }
});
