// What can be sent to a child and what cannot, under spawn and forkserver (fork copies
// everything, closures included, so it accepts all of these).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activeChildren, getContext, SerializationError } from '../../src/index.ts';
import { hello, writeReport } from '../fixtures/targets.ts';
import { describeValues } from '../fixtures/process/values.ts';
// @ts-expect-error -- a plain .mjs fixture without types
import { writeEsm } from '../fixtures/process/targets-esm.mjs';
import * as cjs from '../fixtures/process/targets-cjs.cjs';
import { readJson, tempPath, testedMethods, track } from '../helpers.ts';

const { writeCjs } = cjs;

for (const method of testedMethods().filter((m) => m !== 'fork')) {
  const { Process } = getContext(method);

  describe(`arguments (${method})`, () => {
    it('carries structured-clone values intact', async () => {
      const path = tempPath('values');
      const values = {
        map: new Map([['a', 1]]),
        set: new Set([3]),
        date: new Date(86_400_000),
        bigint: 12345678901234567890n,
        bytes: new Uint8Array([1, 2, 3]),
        undef: undefined,
        nan: NaN,
        nested: { deep: { list: [1, 'two', { three: 3 }] } },
        error: new RangeError('bad'),
        regexp: /a+b/,
      };
      const p = track(new Process({ target: describeValues, args: [path, values] }));
      p.start();
      await p.join();
      assert.equal(p.exitCode, 0);
      assert.deepEqual(readJson(path), {
        map: true,
        set: true,
        date: true,
        bigint: true,
        bytes: true,
        undef: true,
        nan: true,
        nested: true,
        error: true,
        regexp: true,
      });
    });

    it('names a function argument in the error, before any process exists', () => {
      const before = activeChildren().length;
      const p = new Process({ target: writeReport, args: [tempPath(), { list: [1, { cb: () => 1 }] }] });
      assert.throws(
        () => p.start(),
        (error: unknown) => {
          assert.ok(error instanceof SerializationError);
          assert.equal(error.path, 'args[1].list[1].cb');
          assert.match(
            error.message,
            new RegExp(`^args\\[1\\]\\.list\\[1\\]\\.cb: functions cannot be sent to a ${method === 'spawn' ? 'spawned process' : '.*'}`),
          );
          return true;
        },
      );
      assert.equal(p.pid, undefined);
      assert.equal(activeChildren().length, before);
    });

    it('names other values structured clone cannot carry', () => {
      const cases: [unknown, RegExp][] = [
        [Symbol('s'), /^args\[0\]: symbols cannot be sent/],
        [new WeakMap(), /^args\[0\]: a WeakMap cannot be sent/],
        [Promise.resolve(1), /^args\[0\]: a Promise cannot be sent/],
        [new Map([['k', () => 0]]), /^args\[0\]\.get\("k"\): functions cannot be sent/],
      ];
      for (const [value, message] of cases) {
        assert.throws(() => new Process({ target: hello, args: [value as string] }).start(), { name: 'SerializationError', message });
      }
    });

    it('refuses a target that is not exported, naming it', () => {
      const local = (name: string) => name;
      assert.throws(
        () => new Process({ target: local, args: ['x'] }).start(),
        (error: unknown) => {
          assert.ok(error instanceof SerializationError);
          assert.equal(error.path, 'target');
          assert.match(error.message, /`local` \(file:.*arguments\.test\.ts.*\) is not exported from its module/);
          assert.match(error.message, /'fork' start method/);
          return true;
        },
      );
      assert.throws(() => new Process({ target: hello.bind(null), args: ['x'] }).start(), /bound functions cannot be sent/);
      assert.throws(() => new Process({ target: Math.max }).start(), /not defined in a module file/);
    });

    it('imports targets from ESM (.mjs), CommonJS (.cjs) and TypeScript modules', async () => {
      const esmPath = tempPath('esm');
      const cjsPath = tempPath('cjs');
      const a = track(new Process({ target: writeEsm as (p: string, v: unknown) => void, args: [esmPath, 1] }));
      const b = track(new Process({ target: writeCjs, args: [cjsPath, 2] }));
      a.start();
      b.start();
      await Promise.all([a.join(), b.join()]);
      assert.equal(a.exitCode, 0);
      assert.equal(b.exitCode, 0);
      assert.deepEqual(readJson(esmPath), { kind: 'esm', value: 1 });
      assert.deepEqual(readJson(cjsPath), { kind: 'cjs', value: 2 });
    });
  });
}

describe('forkserver children and modules the server never loaded', () => {
  // The fork server compiles TypeScript with tsx's ES module hooks in its main thread, and its
  // children compile what they import first synchronously (src/loading/in-thread-loader.ts).
  const cases = [
    { what: 'a TypeScript module', target: 'importLater', expected: 'loaded later' },
    { what: 'a TypeScript module with top-level await', target: 'importLaterTla', expected: 'loaded later, after a top-level await' },
  ] as const;
  for (const { what, target, expected } of cases) {
    it(`import() ${what} at run time`, { skip: !testedMethods().includes('forkserver') && 'forkserver unavailable' }, async () => {
      const fn = (await import('../fixtures/process/dynamic-import.ts'))[target];
      const path = tempPath('later');
      const p = track(new (getContext('forkserver').Process)({ target: fn, args: [path] }));
      p.start();
      await p.join();
      assert.equal(p.exitCode, 0);
      assert.equal((await import('node:fs')).readFileSync(path, 'utf8'), expected);
    });
  }
});
