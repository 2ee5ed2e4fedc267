// multiproc/os fork(): the policy, and what a forked child keeps, drops and how it ends.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { runOsFixture, zombiesOf } from '../fixtures/os-helpers.ts';
import { OsFork } from '../fixtures/scenarios.ts';

after(() => assert.deepEqual(zombiesOf(), []));

test('fork() refuses in a process not started with --single-threaded, and says what to do', () => {
  // The suite itself runs with --single-threaded: ask a process started without it.
  const fixture = fileURLToPath(new URL('../fixtures/os/refusals.ts', import.meta.url));
  const run = spawnSync(process.execPath, ['--import', 'tsx', fixture], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const error = (JSON.parse(run.stdout) as Record<string, { name: string; message: string; startMethod: string } | null>)['os.fork'];
  assert.ok(error !== null && error !== undefined);
  assert.equal(error.name, 'StartMethodError');
  assert.equal(error.startMethod, 'fork');
  assert.match(error.message, /only safe in a process started with `node --single-threaded`/);
  assert.match(error.message, /V8's background threads do not survive fork\(\)/);
  assert.match(error.message, /npx multiproc run FILE/);
  assert.match(error.message, /'forkserver' start method/);
});

test('the child gets fresh ids: process.pid/ppid and getpid/getppid', async () => {
  const { result, child } = await runOsFixture<{ parent: number; pid: number; status: { exitCode: number } }>('os/fork.ts', [OsFork.ids]);
  const seen = JSON.parse(child[0]!) as Record<string, number>;
  assert.deepEqual(seen, { pid: result.pid, getpid: result.pid, ppid: result.parent, getppid: result.parent });
  assert.equal(result.status.exitCode, 0, 'a child whose code finished ends with 0');
});

test('inherited timers, immediates and promise timers never fire (nor settle) in the child', async () => {
  const { result, child } = await runOsFixture<{ status: { exitCode: number }; parentFired: string[] }>('os/fork.ts', [OsFork.timers]);
  assert.deepEqual(JSON.parse(child[0]!), [], 'nothing inherited fired in the child');
  assert.equal(result.status.exitCode, 0, 'the cleared interval no longer keeps the child alive');
  assert.deepEqual(result.parentFired, [
    'promises.setTimeout settled',
    'scheduler.wait settled',
    'setImmediate',
    'setInterval',
    'setTimeout',
    'timers.setTimeout',
  ]);
});

test("inherited servers (ref'd and unref'd) and sockets are closed in the child only", async () => {
  const { result, child } = await runOsFixture<Record<string, unknown>>('os/fork.ts', [OsFork.server]);
  assert.deepEqual(JSON.parse(child[0]!), { httpListening: false, unrefdListening: false, clientDestroyed: true });
  assert.deepEqual(result['answers'], [String(result['parent'])], '50 requests, all served by the parent');
  assert.equal(result['unrefdAnswer'], String(result['parent']));
  assert.equal(result['echoed'], `${String(result['parent'])}:ping`);
  assert.equal(result['echoedAfter'], `${String(result['parent'])}:again`, "the child did not end the parent's connection");
  assert.equal(result['unixPathKept'], true, "closing an inherited unix-socket server did not unlink the parent's path");
  assert.equal(result['unixAnswer'], String(result['parent']));
});

test('how a child ends: exit codes, signals, uncaught errors, exit listeners, flushed output', async () => {
  const { result, child, run } = await runOsFixture<Record<string, { exitCode: number | null; signal: string | null }>>('os/fork.ts', [
    OsFork.exits,
  ]);
  const codes = Object.fromEntries(Object.entries(result).map(([name, s]) => [name, s.signal ?? s.exitCode]));
  assert.deepEqual(codes, {
    exit7: 7,
    exitCode3: 3,
    throws: 1,
    rejects: 1,
    signal: 'SIGTERM',
    exitHandler: 0,
    exitListenerSetsCode: 9,
    handled: 4,
    bigOutput: 0,
    nested: 42,
  });
  assert.ok(child.includes('exit handler ran with 0'));
  assert.match(run.stderr, /Error: boom in child\n {4}at /);
  assert.match(run.stderr, /Error: rejected in child\n {4}at /);
  assert.doesNotMatch(run.stderr, /handled in child/);
  const big = child.find((line) => line.startsWith('big:'));
  assert.equal(big?.length, 4 + (1 << 20), 'a megabyte written to a pipe just before the end arrives whole');
});

test('children whose code simply finishes end with 0, even right after a big allocation (no DrainTasks hang)', async () => {
  const { result } = await runOsFixture<{ statuses: number[] }>('os/fork.ts', [OsFork.drain], { timeoutMs: 20_000 });
  assert.deepEqual(result.statuses, [0, 0, 0, 0, 0]);
});

test('a child holding thread-pool requests inherited in flight still ends when its own work is done', async () => {
  const { result, child } = await runOsFixture<{ status: { exitCode: number } }>('os/fork.ts', [OsFork.stuck], { timeoutMs: 20_000 });
  assert.deepEqual(child, ['inherited 2 fs requests', 'own timer done']);
  assert.equal(result.status.exitCode, 0);
});

test('a forked child running a target: 0, 1 with the stack, N for exit(N), output flushed; wait() leaves Process children alone', async () => {
  const { result, child, run } = await runOsFixture<Record<string, unknown>>('os/fork.ts', [OsFork.forkChild]);
  const code = (name: string) => (result[name] as { exitCode: number }).exitCode;
  assert.deepEqual(['sync', 'async', 'throws', 'rejects', 'exit4', 'bigOutput', 'last'].map(code), [0, 0, 1, 1, 4, 0, 0]);
  assert.ok(child.includes('sync target ran'));
  assert.ok(child.includes('async target ran'));
  assert.equal(child.find((line) => line.startsWith('big:'))?.length, 4 + (1 << 20));
  assert.match(run.stderr, /Error: target failed\n {4}at /);
  assert.match(run.stderr, /Error: async target failed\n {4}at /);
  assert.equal(result['waitIgnoresProcessChildren'], 'ECHILD:wait');
});
