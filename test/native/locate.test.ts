// Where the loader looks for the addon (a local build, then the prebuild for this system and Node
// ABI), that the install script names the prebuild the same way, and the fall-through between them.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { build } from 'esbuild';
import { loadNative, nativeAddonFile } from '../../src/native/binding.ts';
import {
  addonCandidates,
  detectLibc,
  explainUnavailable,
  notLinuxReason,
  platformTag,
  readInstallRecord,
  unavailableMessage,
} from '../../src/native/locate.ts';
import { root, runNode } from '../fixtures/os-helpers.ts';
import { realImport } from '../fixtures/native/real-import.mjs';

interface InstallScriptCommon {
  ABI_VERSION: number;
  LOCAL_BUILD: string;
  prebuildFile(): string;
  platformTag(): string;
  libc(): string;
}

test('the loader tries the local build first, then prebuilds/<platform>-<arch>-<libc>/multiproc.abi<N>.node', () => {
  assert.deepEqual(addonCandidates('/pkg', 'linux-arm64-musl', '127'), [
    '/pkg/build/Release/multiproc.node',
    '/pkg/prebuilds/linux-arm64-musl/multiproc.abi127.node',
  ]);
  assert.equal(platformTag('linux', 'x64', 'glibc'), 'linux-x64-glibc');
  assert.equal(platformTag('darwin', 'arm64', ''), 'darwin-arm64');
  assert.match(detectLibc(), /^(glibc|musl)$/);
});

/** Whether the addon at `file` was built for this Node's ABI (dlopen alone does not check it). */
function loadsHere(file: string): boolean {
  try {
    return (createRequire(path.join(root, 'package.json'))(file) as { nodeAbi?: unknown }).nodeAbi === Number(process.versions.modules);
  } catch {
    return false;
  }
}

test('the install script names the prebuild, the local build and the ABI as the loader does', async () => {
  const common = (await realImport(pathToFileURL(path.join(root, 'scripts', 'native-common.mjs')).href)) as InstallScriptCommon;
  const [local, prebuild] = addonCandidates(root);
  assert.equal(path.join(root, common.LOCAL_BUILD), local);
  assert.equal(path.join(root, common.prebuildFile()), prebuild);
  assert.equal(common.platformTag(), platformTag());
  assert.equal(common.libc(), detectLibc());
  assert.equal(common.ABI_VERSION, loadNative()?.abiVersion);
  assert.equal(loadNative()?.nodeAbi, Number(process.versions.modules));
  // the repository's own build, when it was made for this Node (npm run test:nodes runs this
  // file under other Node majors too, which load their prebuild)
  assert.equal(nativeAddonFile(), loadsHere(local!) ? local : prebuild, 'the repository loads its own build where it fits');
});

test('an unreadable or shapeless install record counts as none; a vanished install says to rebuild', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'multiproc-record-'));
  try {
    assert.equal(readInstallRecord(dir), null);
    mkdirSync(path.join(dir, 'build'));
    writeFileSync(path.join(dir, 'build', 'install-result.json'), '{"no":"outcome"}');
    assert.equal(readInstallRecord(dir), null);
    writeFileSync(
      path.join(dir, 'build', 'install-result.json'),
      '{"outcome":"prebuild","file":"prebuilds/x/multiproc.abi1.node","node":"v20.0.0"}',
    );
    const record = readInstallRecord(dir);
    assert.equal(record?.outcome, 'prebuild');
    assert.equal(
      explainUnavailable(dir, ['a does not exist'], record, 'linux-x64-glibc'),
      'the install chose the prebuilt prebuilds/x/multiproc.abi1.node under Node v20.0.0, but nothing loads now (Node upgraded, or files moved?); ' +
        'run `npm rebuild multiproc` in your project (building needs python3, make and a C++ compiler (Debian/Ubuntu: `apt-get install python3 make g++`; ' +
        'Alpine: `apk add python3 make g++`)); tried: a does not exist',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a package with a prebuild only loads it; a local build that does not load falls through to the prebuild', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'multiproc-locate-'));
  try {
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'multiproc', type: 'module' }));
    await build({
      entryPoints: [path.join(root, 'src/native/binding.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: path.join(dir, 'dist/binding.js'),
      logLevel: 'silent',
    });
    const [local, prebuild] = addonCandidates(dir);
    mkdirSync(path.dirname(prebuild!), { recursive: true });
    copyFileSync(nativeAddonFile()!, prebuild!);
    writeFileSync(
      path.join(dir, 'check.mjs'),
      "import { nativeAddonFile, nativeUnavailableReason } from './dist/binding.js';\nconsole.log(JSON.stringify({ file: nativeAddonFile(), reason: nativeUnavailableReason() }));\n",
    );
    const check = async () => {
      const result = await runNode([path.join(dir, 'check.mjs')], { cwd: dir });
      assert.equal(result.code, 0, result.stderr);
      return JSON.parse(result.stdout) as { file: string | null; reason: string | null };
    };
    assert.deepEqual(await check(), { file: prebuild, reason: null });
    mkdirSync(path.dirname(local!), { recursive: true });
    writeFileSync(local!, 'not an ELF file');
    assert.deepEqual(await check(), { file: prebuild, reason: null });
    copyFileSync(nativeAddonFile()!, local!);
    assert.deepEqual(await check(), { file: local, reason: null });
    rmSync(path.join(dir, 'prebuilds'), { recursive: true });
    writeFileSync(local!, 'not an ELF file');
    const { file, reason } = await check();
    assert.equal(file, null);
    assert.match(
      reason ?? '',
      /install script did not run .* tried: loading \S+build\/Release\/multiproc\.node failed: .*; \S+multiproc\.abi\d+\.node does not exist$/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('on macOS the error says the portable path is what there is, what it lacks, and that no addon build exists there', () => {
  const reason = notLinuxReason('darwin', 'arm64');
  assert.match(reason, /^multiproc's native addon is Linux-only: there is no build for macOS \(darwin-arm64\)/);
  assert.match(reason, /Queue, .*Barrier, Value and Pool take the portable path there/);
  assert.match(reason, /'fork' and 'forkserver' start methods, multiproc\/os, shared memory \(RawArray, SharedArray, SharedMemory/);
  const message = unavailableMessage('SharedMemory', reason, 'darwin');
  assert.match(message, /^SharedMemory needs multiproc's native addon, which is unavailable: multiproc's native addon is Linux-only/);
  assert.match(message, /On macOS there is no way to get it yet .* run the program on Linux \(a container or a VM\) for SharedMemory\.$/);
  assert.doesNotMatch(message, /npm rebuild/);
  assert.match(unavailableMessage('fork()', 'no build', 'linux'), /To get the addon on Linux: npm rebuild multiproc/);
});
