// The typed loader: finds and loads the addon, and explains itself when it cannot.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { NativeUnavailableError } from '../../src/errors.ts';
import { findPackageRoot, loadNative, nativeUnavailableReason, requireNative } from '../../src/native/binding.ts';
import { root, runNode } from '../fixtures/os-helpers.ts';

const EXPORTS = [
  'fork',
  'waitpid',
  'waitidNoWait',
  'pidfdOpen',
  'pollReadable',
  'watchReadable',
  'exit',
  'setPdeathsig',
  'getpid',
  'getppid',
  'kill',
  'socketpair',
  'pipe',
  'sendFds',
  'recvFds',
  'close',
  'dup',
  'dup2',
  'setCloexec',
  'setNonBlocking',
  'functionLocation',
  'shmOpen',
  'ftruncate',
  'fstatSize',
  'mmapShared',
  'shmUnlink',
  'futexWait',
  'futexWake',
  'watchLoopIdle',
  'tryRead',
  'tryReadKeepingFds',
  'takeFds',
  'dropFds',
  'tryWrite',
  'peerClosed',
  'listenSocket',
  'accept',
  'socketAddress',
  'connectSocket',
  'connectResult',
  'watchWritable',
];

test('loadNative() loads the addon with every export and abiVersion 5', () => {
  const native = loadNative();
  assert.ok(native, `addon unavailable: ${nativeUnavailableReason()}`);
  assert.equal(native.abiVersion, 5);
  for (const name of EXPORTS) assert.equal(typeof (native as unknown as Record<string, unknown>)[name], 'function', name);
  assert.equal(nativeUnavailableReason(), null);
  assert.equal(requireNative('test'), native);
});

test('findPackageRoot() walks up to the package named multiproc', () => {
  assert.equal(findPackageRoot(path.join(root, 'src', 'native')), root.replace(/\/$/, ''));
  assert.equal(findPackageRoot('/'), null);
});

test('MULTIPROC_NO_NATIVE=1 makes the addon absent, and requireNative says why and what still works', () => {
  const saved = process.env['MULTIPROC_NO_NATIVE'];
  process.env['MULTIPROC_NO_NATIVE'] = '1';
  try {
    assert.equal(loadNative(), null);
    assert.match(nativeUnavailableReason() ?? '', /MULTIPROC_NO_NATIVE=1/);
    assert.throws(
      () => requireNative('fork()'),
      (error: unknown) => {
        assert.ok(error instanceof NativeUnavailableError);
        assert.match(error.message, /^fork\(\) needs multiproc's native addon, which is unavailable: MULTIPROC_NO_NATIVE=1/);
        assert.match(error.message, /Without it, spawn Processes, Pipe, Queue, .* still work \(the portable path/);
        return true;
      },
    );
  } finally {
    if (saved === undefined) delete process.env['MULTIPROC_NO_NATIVE'];
    else process.env['MULTIPROC_NO_NATIVE'] = saved;
  }
  assert.ok(loadNative());
});

test('the loader reports the missing file when the package has no build', async () => {
  // A copy of the loader in a package without build/: bundle it so it runs from elsewhere.
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const os = await import('node:os');
  const esbuild = await import('esbuild');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'multiproc-loader-'));
  try {
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'multiproc', type: 'module' }));
    await esbuild.build({
      entryPoints: [path.join(root, 'src/native/binding.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: path.join(dir, 'dist/binding.js'),
      logLevel: 'silent',
    });
    writeFileSync(
      path.join(dir, 'check.mjs'),
      "import { loadNative, nativeUnavailableReason, requireNative } from './dist/binding.js';\n" +
        "let message = ''; try { requireNative('fork()'); } catch (e) { message = `${e.name}: ${e.message}`; }\n" +
        'console.log(JSON.stringify({ native: loadNative(), reason: nativeUnavailableReason(), message }));\n',
    );
    const result = await runNode([path.join(dir, 'check.mjs')], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as { native: null; reason: string; message: string };
    assert.equal(out.native, null);
    assert.match(out.reason, /build\/Release\/multiproc\.node does not exist/);
    assert.ok(out.reason.includes(dir));
    assert.match(out.message, /^NativeUnavailableError: fork\(\) needs multiproc's native addon/);

    // and the CommonJS bundle, where import.meta.url is replaced by a define
    await esbuild.build({
      entryPoints: [path.join(root, 'src/native/binding.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: path.join(dir, 'dist/binding.cjs'),
      logLevel: 'silent',
      define: { 'import.meta.url': 'importMetaUrl' },
      banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    });
    const cjs = await runNode(['-e', "const b = require('./dist/binding.cjs'); console.log(b.nativeUnavailableReason())"], { cwd: dir });
    assert.equal(cjs.code, 0, cjs.stderr);
    assert.match(cjs.stdout, /build\/Release\/multiproc\.node does not exist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'without the addon, a spawned child still gets its preparation and runs (node:net channel)',
  { skip: existsSync(path.join(root, 'dist', 'index.js')) ? false : 'dist/ is not built' },
  async () => {
    const result = await runNode([path.join(root, 'test', 'fixtures', 'native', 'spawn-no-native.mjs')], {
      env: { ...process.env, MULTIPROC_NO_NATIVE: '1' },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^exitCode 7$/m);
  },
);
