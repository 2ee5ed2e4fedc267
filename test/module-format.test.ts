// Advice in the caller's module system (src/module-format.ts): a file's format by extension and
// package type, and the errors a CommonJS program gets (`isMain(module)`, `exports.f = f`).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { exportAdvice, isCommonJsFile, mainGuardAdvice } from '../src/module-format.ts';
import { fixture, root, runNode } from './fixtures/os-helpers.ts';
import { tempPath } from './helpers.ts';

/** A directory under a package.json of `type` (none: no "type" field). */
function packageDir(type?: string): string {
  const dir = tempPath('package');
  mkdirSync(path.join(dir, 'lib'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify(type === undefined ? { name: 'x' } : { name: 'x', type }));
  return path.join(dir, 'lib');
}

describe('module format', () => {
  it('reads the extension first, then the nearest package.json "type"', () => {
    const esm = packageDir('module');
    const cjs = packageDir('commonjs');
    const none = packageDir();
    assert.equal(isCommonJsFile(path.join(esm, 'a.cjs')), true);
    assert.equal(isCommonJsFile(path.join(cjs, 'a.mjs')), false);
    assert.equal(isCommonJsFile(path.join(esm, 'a.js')), false);
    assert.equal(isCommonJsFile(pathToFileURL(path.join(esm, 'a.ts')).href), false);
    assert.equal(isCommonJsFile(path.join(cjs, 'a.js')), true);
    assert.equal(isCommonJsFile(path.join(none, 'a.ts')), true);
    assert.equal(isCommonJsFile(path.join(root, 'examples', '04-process.ts')), false);
  });

  it('gives the guard and the export in the file’s own syntax', () => {
    const cjs = packageDir('commonjs');
    assert.deepEqual(mainGuardAdvice(path.join(cjs, 'a.js')), {
      guard: 'if (isMain(module)) { … }',
      importLine: "const { isMain } = require('multiproc')",
    });
    assert.deepEqual(mainGuardAdvice(path.join(cjs, 'a.ts')), {
      guard: 'if (isMain(module)) { … }',
      importLine: "import { isMain } from 'multiproc'",
    });
    assert.deepEqual(mainGuardAdvice(path.join(root, 'a.mjs')), {
      guard: 'if (isMain(import.meta)) { … }',
      importLine: "import { isMain } from 'multiproc'",
    });
    assert.equal(exportAdvice(path.join(cjs, 'a.cjs'), 'f'), 'exports.f = f');
    assert.equal(exportAdvice(path.join(cjs, 'a.ts'), 'f'), 'export function f');
    assert.equal(exportAdvice(path.join(root, 'a.mjs'), 'f'), 'export function f');
  });
});

describe('errors for a CommonJS program', () => {
  for (const method of ['spawn', 'forkserver'] as const) {
    it(`teaches isMain(module) when a child reaches start() while requiring its target's module (${method})`, async () => {
      const result = await runNode([fixture('unguarded-main.cjs'), method]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /exitCode=1/);
      assert.match(result.stderr, /BootstrapError[^]*`if \(isMain\(module\)\) \{ … \}` \(const \{ isMain \} = require\('multiproc'\)\)/);
      assert.doesNotMatch(result.stderr, /import\.meta/);
    });
  }

  it('teaches exports.f = f for a target that is not exported', async () => {
    const result = await runNode([fixture('unexported-target.cjs'), 'spawn']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /SerializationError: target: `local` \(file:.*unexported-target\.cjs:\d+:\d+\) is not exported from its module[^]*Export it \(`exports\.local = local`\)/,
    );
  });
});
