// `multiproc ps` as a command: flags, messages, exit codes, --watch.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { psCommand, type PsIo } from '../../src/cli/ps.ts';
import { fakeProc, standardSpec, type FakeProcRoot } from './fake-proc.ts';
import { exited, exists, kill, Lines, startSleeper } from './live.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const roots: FakeProcRoot[] = [];
const children: ChildProcess[] = [];
after(async () => {
  for (const root of roots) root.remove();
  for (const child of children) kill(child.pid!);
  await Promise.all(children.map(exited));
  for (const child of children) assert.equal(exists(child.pid!), false);
});

function machine(spec = standardSpec()): FakeProcRoot {
  const root = fakeProc(spec);
  roots.push(root);
  return root;
}

function emptyMachine(): FakeProcRoot {
  const spec = standardSpec();
  spec.procs = spec.procs.filter((p) => !p.cmdline.startsWith('multiproc:') && p.state !== 'Z');
  return machine(spec);
}

/** Run psCommand with captured output. */
async function run(argv: string[], extra: Partial<PsIo> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await psCommand(argv, {
    stdout: { write: (s: string) => (out += s), isTTY: false },
    stderr: { write: (s: string) => (err += s) },
    source: machine().source,
    ...extra,
  });
  return { code, out, err };
}

describe('ps command: one-shot', () => {
  it('prints the table and exits 0', async () => {
    const { code, out, err } = await run([]);
    assert.equal(code, 0);
    assert.equal(err, '');
    assert.match(out, /^PID +PPID +S +%CPU +RSS +AGE +METHOD +SYSCALL +WCHAN +NAME\n/);
    assert.match(out, /\n103 +101 +S .* fork +read +anon_pipe_read + \| {3}\\_ Process-1:1\n/);
    assert.ok(out.endsWith('\n'));
  });

  it('says so when nothing runs, exit 0; --json prints []', async () => {
    const source = emptyMachine().source;
    assert.deepEqual(await run([], { source }), { code: 0, out: 'no multiproc processes running\n', err: '' });
    assert.deepEqual(await run(['--json'], { source }), { code: 0, out: '[]\n', err: '' });
  });

  it('--pid: the one tree, or exit 1 when no tree contains it', async () => {
    const one = await run(['--pid', '105', '--json']);
    assert.deepEqual(
      (JSON.parse(one.out) as { pid: number }[]).map((t) => t.pid),
      [100],
    );
    assert.deepEqual(await run(['--pid=500']), { code: 1, out: 'no multiproc process tree contains pid 500\n', err: '' });
  });

  it('--json prints the documented array', async () => {
    const { code, out } = await run(['--json']);
    assert.equal(code, 0);
    const trees = JSON.parse(out) as { pid: number; role: string; children: unknown[] }[];
    assert.deepEqual(
      trees.map((t) => [t.pid, t.role]),
      [
        [1, 'reaper'],
        [100, 'main'],
        [299, 'reaper'],
      ],
    );
  });

  it('--help prints usage with the columns and the JSON schema', async () => {
    for (const flag of ['--help', '-h']) {
      const { code, out } = await run([flag]);
      assert.equal(code, 0);
      assert.match(out, /^Usage: multiproc ps \[--json\] \[--watch\] \[--pid N\] \[--interval MS\]/);
      assert.match(out, /SYSCALL/);
      assert.match(out, /waitingIn/);
    }
  });

  it('bad flags: a message naming the flag, exit 2', async () => {
    const cases: Array<[string[], string]> = [
      [['--bogus'], "unknown option '--bogus'"],
      [['-x'], "unknown option '-x'"],
      [['extra'], "unexpected argument 'extra'"],
      [['--pid'], "option '--pid' needs a value"],
      [['--pid', 'abc'], "option '--pid' expects a positive integer, got 'abc'"],
      [['--pid=0'], "option '--pid' expects a positive integer, got '0'"],
      [['--interval', '-5'], "option '--interval' expects a positive number of milliseconds, got '-5'"],
      [['--json=yes'], "option '--json' takes no value"],
    ];
    for (const [argv, message] of cases) {
      const { code, out, err } = await run(argv);
      assert.equal(code, 2, argv.join(' '));
      assert.equal(out, '');
      assert.equal(err, `multiproc ps: ${message}\nRun 'multiproc ps --help' for usage.\n`);
    }
  });

  it('a /proc that cannot be read: a message, exit 1', async () => {
    const { code, err } = await run([], {
      source: {
        clockTicks: 100,
        arch: 'x64',
        listPids: async () => [],
        readProcFile: async () => '',
        uptimeSeconds: async () => Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })),
      },
    });
    assert.equal(code, 1);
    assert.match(err, /^multiproc ps: cannot read processes: EACCES/);
  });
});

describe('ps command: --watch', () => {
  it('prints successive snapshots when stdout is not a terminal, until stopped', async () => {
    const controller = new AbortController();
    let out = '';
    let snapshots = 0;
    const code = await psCommand(['--watch', '--interval', '5'], {
      stdout: {
        isTTY: false,
        write: (s: string) => {
          out += s;
          if (++snapshots === 3) controller.abort();
        },
      },
      stderr: process.stderr,
      source: machine().source,
      signal: controller.signal,
    });
    assert.equal(code, 0);
    const blocks = out.split('\n\n').filter((b) => b !== '');
    assert.equal(blocks.length, 3);
    for (const block of blocks) {
      assert.match(block, /^multiproc ps — every 5ms — .*\nPID +PPID/);
      assert.ok(!block.includes('\x1b['));
    }
  });

  it('redraws in place on a terminal (clear + home)', async () => {
    const controller = new AbortController();
    const writes: string[] = [];
    await psCommand(['--watch', '--interval=5'], {
      stdout: { isTTY: true, write: (s: string) => writes.push(s) === 2 && controller.abort() },
      stderr: process.stderr,
      source: machine().source,
      signal: controller.signal,
    });
    assert.equal(writes.length, 2);
    for (const w of writes) assert.ok(w.startsWith('\x1b[H\x1b[2Jmultiproc ps'), JSON.stringify(w.slice(0, 20)));
  });

  it('with --json prints one array per line', async () => {
    const controller = new AbortController();
    const writes: string[] = [];
    await psCommand(['--watch', '--json', '--interval', '5'], {
      stdout: { isTTY: true, write: (s: string) => writes.push(s) === 2 && controller.abort() },
      stderr: process.stderr,
      source: emptyMachine().source,
      signal: controller.signal,
    });
    assert.deepEqual(writes, ['[]\n', '[]\n']);
  });

  it('keeps going when nothing runs, saying so each time', async () => {
    const controller = new AbortController();
    let out = '';
    await psCommand(['--watch', '--interval', '5'], {
      stdout: { write: (s: string) => ((out += s), out.split('no multiproc').length > 2 && controller.abort()) },
      stderr: process.stderr,
      source: emptyMachine().source,
      signal: controller.signal,
    });
    assert.equal(out.match(/no multiproc processes running/g)?.length, 2);
  });

  it('the multiproc command exits 0 on Ctrl+C (SIGINT)', async () => {
    const sleeper = await startSleeper('Watched-1');
    children.push(sleeper);
    const cli = spawn(process.execPath, ['--import', 'tsx', MAIN, 'ps', '--watch', '--interval', '20', '--pid', String(sleeper.pid)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(cli);
    const lines = new Lines(cli);
    for (let i = 0; i < 2; i++) await lines.find(new RegExp(`^\\s*${sleeper.pid} +${process.pid} .*\\\\_ Watched-1$`));
    const status = new Promise<[number | null, string | null]>((resolve) => cli.once('exit', (c, s) => resolve([c, s])));
    cli.kill('SIGINT');
    assert.deepEqual(await status, [0, null]);
  });

  it('the multiproc command exits 0 when the reader of its pipe goes away', async () => {
    const cli = spawn(process.execPath, ['--import', 'tsx', MAIN, 'ps', '--watch', '--interval', '5'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(cli);
    let stderr = '';
    cli.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Lines(cli).find(/^multiproc ps — every 5ms/);
    const status = new Promise<[number | null, string | null]>((resolve) => cli.once('exit', (c, s) => resolve([c, s])));
    cli.stdout.destroy();
    assert.deepEqual(await status, [0, null]);
    assert.equal(stderr, '');
  });
});
