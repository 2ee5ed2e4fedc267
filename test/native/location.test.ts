// functionLocation: where V8 says a function was defined (ESM, CJS, TypeScript through tsx).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { loadNative } from '../../src/native/binding.ts';
import { fixture } from '../fixtures/os-helpers.ts';
// A real import(): in-thread TypeScript turns import() in .ts files into require(), which would load the .mjs fixture as CommonJS.
import { realImport } from '../fixtures/native/real-import.mjs';

const native = loadNative()!;
/** A location's file path, whether V8 named the script by URL (ES module) or by path (CommonJS). */
const fileOf = (url: string): string => (url.startsWith('file:') ? fileURLToPath(url) : url);

test('an ESM function: its module URL and line', async () => {
  const { esmTarget } = (await realImport(pathToFileURL(fixture('native/location.mjs')).href)) as { esmTarget: () => string };
  const where = native.functionLocation(esmTarget);
  assert.ok(where);
  assert.equal(where.url, pathToFileURL(fixture('native/location.mjs')).href);
  assert.equal(where.line, 4);
  assert.ok(where.column > 1);
});

test('a CommonJS function: its file path and line', () => {
  const { cjsTarget } = createRequire(import.meta.url)('../fixtures/native/location.cjs') as { cjsTarget: () => string };
  const where = native.functionLocation(cjsTarget);
  assert.ok(where);
  assert.equal(where.url, fixture('native/location.cjs'));
  assert.equal(where.line, 3);
});

test('a TypeScript function through tsx: its file (line/column are of the transpiled code)', async () => {
  const { tsTarget } = await import('../fixtures/native/location-ts.ts');
  const where = native.functionLocation(tsTarget);
  assert.ok(where);
  // A file: URL under tsx's ESM loader, the path when compiled in-thread as CommonJS.
  assert.equal(fileOf(where.url), fixture('native/location-ts.ts'));
});

test('null for builtins and bound functions', () => {
  assert.equal(native.functionLocation(Math.max), null);
  assert.equal(native.functionLocation(function f() {}.bind(null)), null);
  assert.equal(native.functionLocation(Array), null);
  const arrow = () => 1;
  assert.equal(fileOf(native.functionLocation(arrow)?.url ?? ''), fileURLToPath(import.meta.url));
});
