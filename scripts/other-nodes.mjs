// Node binaries other than the one running, for testing the library on several Node majors:
// fetched from the npm registry (the official builds, published as node-<platform>-<arch>;
// they carry Node's headers, so the addon builds against them offline) into node_modules/.cache.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOCAL_BUILD, prebuildFile, probe, root, runNodeGyp } from './native-common.mjs';

/** The Node majors besides the running one that tests cover and packs ship a prebuild for. */
export const OTHER_MAJORS = ['22', '24'];

const CACHE = path.join(root, 'node_modules', '.cache', 'multiproc-node');

function npm(args, cwd) {
  const result = spawnSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20 });
  if (result.status !== 0)
    throw new Error(
      `npm ${args.join(' ')} failed: ${(result.stderr || result.error?.message || '').trim().split('\n').slice(-5).join('\n')}`,
    );
  return result.stdout.trim();
}

/** The package holding this system's Node binary (or `arch`'s), or null where the registry has none. */
export function binaryPackage(arch = process.arch) {
  if (!['linux', 'darwin'].includes(process.platform) || !['x64', 'arm64'].includes(arch)) return null;
  return `node-${process.platform}-${arch}`;
}

/** The highest of `versions` ('20.9.0' < '20.19.6'): the registry lists them in publication order. */
function newest(versions) {
  const parts = (version) => version.split('.').map(Number);
  return [versions]
    .flat()
    .sort((a, b) => {
      const [x, y] = [parts(a), parts(b)];
      return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
    })
    .at(-1);
}

/**
 * The newest Node binary of `major` (a number) for `arch` (this machine's by default: another
 * one runs under an emulator only), installed once into node_modules/.cache; its path. Throws
 * with npm's message when the registry cannot be reached or has no such release.
 */
export function ensureNode(major, arch = process.arch) {
  const pkg = binaryPackage(arch);
  if (pkg === null) throw new Error(`no Node binary package on the npm registry for ${process.platform}-${arch}`);
  const version = newest(JSON.parse(npm(['view', `${pkg}@${major}`, 'version', '--json'], root)));
  const dir = path.join(CACHE, arch === process.arch ? `v${version}` : `v${version}-${arch}`);
  const binary = path.join(dir, 'bin', 'node');
  if (existsSync(binary)) return binary;
  const download = path.join(CACHE, `.download-${process.pid}`);
  rmSync(download, { recursive: true, force: true });
  mkdirSync(download, { recursive: true });
  try {
    npm(['pack', `${pkg}@${version}`, '--pack-destination', download, '--silent'], download);
    const tarball = readdirSync(download).find((name) => name.endsWith('.tgz'));
    if (tarball === undefined) throw new Error(`npm pack ${pkg}@${version} wrote no tarball`);
    mkdirSync(dir, { recursive: true });
    const untar = spawnSync('tar', ['xzf', path.join(download, tarball), '-C', dir, '--strip-components=1'], { encoding: 'utf8' });
    if (untar.status !== 0) throw new Error(`tar could not unpack ${tarball}: ${untar.stderr}`);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  } finally {
    rmSync(download, { recursive: true, force: true });
  }
  return binary;
}

function query(node, code) {
  return spawnSync(node, ['-p', code], { encoding: 'utf8' }).stdout.trim();
}

/** Whether `file` exists and is newer than every native source. */
function fresh(file) {
  if (!existsSync(file)) return false;
  const built = statSync(file).mtimeMs;
  const sources = ['binding.gyp', ...readdirSync(path.join(root, 'native')).map((name) => path.join('native', name))];
  return sources.every((source) => statSync(path.join(root, source)).mtimeMs < built);
}

/**
 * The addon prebuilt for the Node at `node` into prebuilds/ (compiled in a private copy of
 * binding.gyp and native/, so the package's own build/ is never touched: tests may be loading it),
 * unless a prebuild newer than the sources is there. Returns `{ version, abi, file, ok, output }`.
 */
export function prebuildFor(node) {
  const version = query(node, 'process.version');
  const abi = query(node, 'process.versions.modules');
  const file = prebuildFile().replace(/abi\d+\.node$/, `abi${abi}.node`);
  const target = path.join(root, file);
  if (fresh(target)) return { version, abi, file, ok: true, output: 'up to date' };
  const work = mkdtempSync(path.join(tmpdir(), 'multiproc-prebuild-'));
  try {
    copyFileSync(path.join(root, 'binding.gyp'), path.join(work, 'binding.gyp'));
    cpSync(path.join(root, 'native'), path.join(work, 'native'), { recursive: true });
    const build = runNodeGyp(['rebuild'], { cwd: work, node });
    if (!build.ok) return { version, abi, file, ok: false, output: `${build.reason}\n${build.output}` };
    const built = path.join(work, LOCAL_BUILD);
    const strip = spawnSync('strip', ['--strip-unneeded', built], { encoding: 'utf8' });
    if (strip.status !== 0) return { version, abi, file, ok: false, output: `strip failed: ${strip.error?.message ?? strip.stderr}` };
    const problem = probe(built, node);
    if (problem !== null) return { version, abi, file, ok: false, output: `the build does not load: ${problem}` };
    mkdirSync(path.dirname(target), { recursive: true });
    const partial = `${target}.partial-${process.pid}`;
    copyFileSync(built, partial);
    renameSync(partial, target);
    return { version, abi, file, ok: true, output: 'built' };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
