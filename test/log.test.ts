// The library's trace: getLogger(), logToStderr(), MULTIPROC_DEBUG; off by default, on at levels,
// carried to children of every start method.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { text } from 'node:stream/consumers';
import { after, describe, it } from 'node:test';
import { getContext, getLogger, LogLevel, logToStderr, type LogRecord } from '../src/index.ts';
import { reportChild } from './fixtures/process/child-options-targets.ts';
import { tempPath, testedMethods, track } from './helpers.ts';

const logger = getLogger();
after(() => logger.setLevel(Infinity));

describe('getLogger', () => {
  it('is off by default: nothing reaches a handler', async () => {
    assert.equal(logger.level, Infinity);
    const records: LogRecord[] = [];
    const remove = logger.addHandler((record) => records.push(record));
    const p = track(new (getContext('spawn').Process)({ target: reportChild, args: [tempPath('report')] }));
    p.start();
    await p.join();
    remove();
    assert.deepEqual(records, []);
  });

  it('takes levels by name or number, and refuses others in the house format', () => {
    logger.setLevel('warning');
    assert.equal(logger.level, LogLevel.WARNING);
    assert.equal(logger.isEnabledFor('error'), true);
    assert.equal(logger.isEnabledFor(LogLevel.INFO), false);
    logger.setLevel(15);
    assert.equal(logger.level, 15);
    assert.throws(() => logger.setLevel('verbose' as never), {
      name: 'RangeError',
      message: "Expected `level` to be a level number or one of 'debug', 'info', 'warning', 'error', got `\"verbose\"` (string).",
    });
    logger.setLevel(Infinity);
  });

  it('formats arguments only for emitted records', () => {
    const records: LogRecord[] = [];
    const remove = logger.addHandler((record) => records.push(record));
    logger.setLevel('info');
    let formatted = 0;
    const costly = { toString: () => String(++formatted) };
    logger.debug('dropped %s', costly);
    logger.info('kept %s', costly);
    logger.setLevel(Infinity);
    remove();
    assert.equal(formatted, 1);
    assert.deepEqual(
      records.map((r) => [r.levelName, r.message, r.processName, r.pid]),
      [['INFO', 'kept 1', 'MainProcess', process.pid]],
    );
  });
});

for (const method of testedMethods()) {
  const { Process } = getContext(method);
  describe(`the trace (${method})`, () => {
    it('reports a start and an end at debug level', async () => {
      const records: LogRecord[] = [];
      const remove = logger.addHandler((record) => records.push(record));
      logger.setLevel('debug');
      const p = track(new Process({ target: reportChild, args: [tempPath('report')] }));
      try {
        p.start();
        await p.join();
      } finally {
        logger.setLevel(Infinity);
        remove();
      }
      const messages = records.map((r) => r.message);
      assert.ok(messages.includes(`started ${p.name} (${method}), pid ${p.pid}`), messages.join('\n'));
      assert.ok(messages.includes(`child pid ${p.pid} ended, exitCode 0`), messages.join('\n'));
    });

    it('after logToStderr(), the child traces on its own stderr', async () => {
      logToStderr('debug');
      const p = track(new Process({ target: reportChild, args: [tempPath('report')], stdio: 'pipe' }));
      try {
        p.start();
      } finally {
        logger.setLevel(Infinity);
      }
      const [err] = await Promise.all([text(p.stderr!), text(p.stdout!), p.join()]);
      assert.match(err, new RegExp(`^\\[DEBUG/${p.name}\\] ${p.name} \\(pid ${p.pid}\\) running its target$`, 'm'));
    });
  });
}

describe('MULTIPROC_DEBUG', () => {
  const index = fileURLToPath(new URL('../dist/index.js', import.meta.url));
  const levelWith = (value: string): { level: string; stderr: string } => {
    const result = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import(${JSON.stringify(index)}); console.log(m.getLogger().level);`],
      {
        env: { ...process.env, MULTIPROC_DEBUG: value },
        encoding: 'utf8',
      },
    );
    return { level: result.stdout.trim(), stderr: result.stderr };
  };

  it('1 turns the trace on at debug level; a name or number sets the level', () => {
    assert.equal(levelWith('1').level, '10');
    assert.equal(levelWith('info').level, '20');
    assert.equal(levelWith('30').level, '30');
    assert.equal(levelWith('0').level, 'Infinity');
  });

  it('an unknown value leaves it off and says so', () => {
    const { level, stderr } = levelWith('loud');
    assert.equal(level, 'Infinity');
    assert.match(stderr, /MULTIPROC_DEBUG=loud is not a level/);
  });
});
