// `multiproc worker` as a user runs it (the built CLI): usage errors, an unreachable Redis, and
// multiproc/cluster without BullMQ installed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { tempPath } from '../helpers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const run = (args: string[], node: string[] = []) =>
  spawnSync(process.execPath, [...node, CLI, ...args], { encoding: 'utf8', cwd: ROOT, timeout: 60_000 });

describe('multiproc worker', () => {
  it('--help prints its usage; missing or bad flags exit 2 with it', () => {
    const help = run(['worker', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: multiproc worker \(--redis URL \| --socket PATH\) --queue NAME/);
    assert.match(help.stdout, /--prefetch N +tasks taken per process/);
    const missing = run(['worker', '--redis', 'redis://127.0.0.1:1']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /give --queue and one of --redis or --socket/);
    const unknown = run(['worker', '--queue', 'q', '--redis', 'redis://x', '--bogus']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /bogus/);
    assert.match(run(['--help']).stdout, /multiproc worker --redis URL --queue NAME/);
  });

  it('bad numbers and an unreachable Redis exit 1 with a message naming them', () => {
    const bad = run(['worker', '--socket', tempPath('none.sock'), '--queue', 'q', '--processes', '0']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /Expected `--processes` to be a positive integer, got `0`/);
    const prefetch = run(['worker', '--socket', tempPath('none.sock'), '--queue', 'q', '--prefetch', '1.5']);
    assert.equal(prefetch.status, 1);
    assert.match(prefetch.stderr, /Expected `--prefetch` to be a positive integer, got `1.5`/);
    const socket = tempPath('none.sock');
    const unreachable = run(['worker', '--socket', socket, '--queue', 'q', '--connect-timeout-ms', '300']);
    assert.equal(unreachable.status, 1);
    assert.match(unreachable.stderr, new RegExp(`Cannot serve queue 'q': Redis at unix:${socket} cannot be reached`));
  });

  it('names a redis:// server without its password (neither user:password@ nor ?password=)', () => {
    const url = 'redis://someone:hunter2@127.0.0.1:1/3?password=swordfish';
    const result = run(['worker', '--redis', url, '--queue', 'q', '--connect-timeout-ms', '300']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /Redis at redis:\/\/127\.0\.0\.1:1\/3 cannot be reached/);
    assert.doesNotMatch(result.stderr + result.stdout, /hunter2|swordfish|someone/);
  });

  it('multiproc/cluster without BullMQ installed throws an error that says `npm install bullmq`', () => {
    const script =
      "import('multiproc/cluster').then(() => console.log('loaded'), (error) => { console.log(error.name + ': ' + error.message); });";
    const result = spawnSync(
      process.execPath,
      ['--require', join(ROOT, 'test/fixtures/cluster/without-bullmq.cjs'), '--input-type=module', '-e', script],
      { encoding: 'utf8', cwd: ROOT },
    );
    assert.match(
      result.stdout,
      /ProcessError: multiproc\/cluster runs on BullMQ over Redis, and BullMQ is not installed: run `npm install bullmq`/,
    );
    const required = spawnSync(
      process.execPath,
      [
        '--require',
        join(ROOT, 'test/fixtures/cluster/without-bullmq.cjs'),
        '-e',
        "try { require('multiproc/cluster'); console.log('loaded'); } catch (error) { console.log(error.message); }",
      ],
      { encoding: 'utf8', cwd: ROOT },
    );
    assert.match(required.stdout, /npm install bullmq/);
    const present = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('multiproc/cluster'); console.log(typeof m.Pool, typeof m.serveWorker);"],
      { encoding: 'utf8', cwd: ROOT },
    );
    assert.equal(present.stdout.trim(), 'function function');
  });
});
