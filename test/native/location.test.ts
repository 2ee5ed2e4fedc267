// functionLocation: where V8 says a function was defined (ESM, CJS, TypeScript through tsx).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { loadNative } from '../../src/native/binding.ts';
import { fixture } from '../fixtures/os-helpers.ts';

const native = loadNative()!;

test('an ESM function: its module URL and line', async () => {
  const { esmTarget } = (await import(pathToFileURL(fixture('os-native-location.mjs')).href)) as { esmTarget: () => string };
  const where = native.functionLocation(esmTarget);
  assert.ok(where);
  assert.equal(where.url, pathToFileURL(fixture('os-native-location.mjs')).href);
  assert.equal(where.line, 4);
  assert.ok(where.column > 1);
});

test('a CommonJS function: its file path and line', () => {
  const { cjsTarget } = createRequire(import.meta.url)('../fixtures/os-native-location.cjs') as { cjsTarget: () => string };
  const where = native.functionLocation(cjsTarget);
  assert.ok(where);
  assert.equal(where.url, fixture('os-native-location.cjs'));
  assert.equal(where.line, 3);
});

test('a TypeScript function through tsx: its module URL (line/column are of the transpiled code)', async () => {
  const { tsTarget } = await import('../fixtures/os-native-location-ts.ts');
  const where = native.functionLocation(tsTarget);
  assert.ok(where);
  assert.equal(where.url, pathToFileURL(fixture('os-native-location-ts.ts')).href);
});

test('null for builtins and bound functions', () => {
  assert.equal(native.functionLocation(Math.max), null);
  assert.equal(native.functionLocation(function f() {}.bind(null)), null);
  assert.equal(native.functionLocation(Array), null);
  const arrow = () => 1;
  assert.equal(native.functionLocation(arrow)?.url, import.meta.url);
});
