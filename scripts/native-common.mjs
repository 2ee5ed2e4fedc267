// What the install script (build-native.mjs) and the pack-time prebuild (prebuild.mjs) share:
// where node-gyp is, how to run it offline against this Node's own headers, where a prebuilt
// addon for this system lives, and a check that a binary loads. src/native/locate.ts holds the
// loader's copy of the prebuild naming rule (test/native/locate.test.ts keeps the two equal).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (the directory holding binding.gyp). */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The addon's own interface version (native/binding.cc `abiVersion`, src/native/types.ts). */
export const ABI_VERSION = 5;

/** A local build, made by node-gyp in the package. */
export const LOCAL_BUILD = path.join('build', 'Release', 'multiproc.node');

/** Where the install script records what it did (read by src/native/locate.ts). */
export const INSTALL_RECORD = path.join('build', 'install-result.json');

/** 'glibc' or 'musl' on Linux, '' elsewhere: what /usr/bin/ldd says, else process.report. */
export function libc() {
  if (process.platform !== 'linux') return '';
  try {
    const ldd = readFileSync('/usr/bin/ldd', 'latin1');
    if (ldd.includes('musl')) return 'musl';
    if (ldd.includes('GNU C Library')) return 'glibc';
  } catch {
    // no ldd: ask the runtime
  }
  return process.report.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl';
}

/** The prebuild directory name for this system: `linux-x64-glibc`, `linux-arm64-musl`, `darwin-arm64`. */
export function platformTag() {
  return [process.platform, process.arch, libc()].filter(Boolean).join('-');
}

/**
 * The prebuilt addon's path (relative to the package root) for this system and Node ABI: the
 * addon uses V8's C++ API beside Node-API, so one binary fits one NODE_MODULE_VERSION.
 */
export function prebuildFile() {
  return path.join('prebuilds', platformTag(), `multiproc.abi${process.versions.modules}.node`);
}

// node-gyp as npm bundles it: npm tells us under `npm install`; otherwise look beside npm.
function findNodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, fromNpm];
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  for (const candidate of [
    path.join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
    path.join(path.dirname(process.execPath), 'node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ]) {
    if (existsSync(candidate)) return [process.execPath, candidate];
  }
  return ['npx', '--yes', 'node-gyp'];
}

/** The Node version (`v20.19.0`) whose headers are in `dir`/include/node, or null. */
function headersVersion(dir) {
  try {
    const text = readFileSync(path.join(dir, 'include/node/node_version.h'), 'utf8');
    const part = (name) => new RegExp(`#define ${name} (\\d+)`).exec(text)?.[1];
    return `v${part('NODE_MAJOR_VERSION')}.${part('NODE_MINOR_VERSION')}.${part('NODE_PATCH_VERSION')}`;
  } catch {
    return null;
  }
}

/**
 * Runs `node-gyp <args>` in `cwd` (the package root by default) for the Node at `node` (the
 * running one by default), with `env` added to the environment (a cross compiler);
 * `{ ok, reason, output }` (reason says how it failed).
 */
export function runNodeGyp(args, { cwd = root, node = process.execPath, env: extra = {} } = {}) {
  const [command, ...rest] = findNodeGyp();
  rest.push(...args);
  // Outside npm, node-gyp would download headers; use the target Node's own when it has them.
  // A configured nodedir (npm's `nodedir`, e.g. /usr for a distribution's Node) is kept only when
  // its headers are the running Node's version: a second Node on the machine (an nvm or
  // npm-registry binary) must not build against the first one's headers (the addon uses V8's C++ API).
  const prefix = path.resolve(path.dirname(node), '..');
  const configured = process.env.npm_config_nodedir;
  const ownHeaders = existsSync(path.join(prefix, 'include/node/common.gypi'));
  const env = { ...process.env, ...extra };
  if (ownHeaders && (node !== process.execPath || !configured || headersVersion(configured) !== process.version)) {
    // node-gyp lets npm's environment (npm_config_nodedir, set by npx from npmrc) override its
    // command line, so both are set.
    rest.push(`--nodedir=${prefix}`);
    env.npm_config_nodedir = prefix;
  }
  const result = spawnSync(command, rest, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  const line = `${command} ${rest.join(' ')}`;
  if (result.error) return { ok: false, reason: `could not run node-gyp (${line}): ${result.error.message}`, output };
  if (result.status !== 0) {
    const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.status}`;
    const cause = /^gyp ERR! (?:stack |find Python )?(Error: .*|Could not find any Python.*)$/m.exec(output)?.[1];
    return { ok: false, reason: `node-gyp ${args[0]} ${how}${cause ? ` (${cause})` : ''}`, output };
  }
  return { ok: true, reason: null, output };
}

/**
 * null when `file` loads in a fresh Node (`node`, the running one by default; run through
 * `emulator`, a command and its arguments, for another architecture) with the expected ABI
 * versions, else what went wrong.
 */
export function probe(file, node = process.execPath, emulator = []) {
  const check =
    'const a = require(process.argv[1]);' +
    `if (a.abiVersion !== ${ABI_VERSION}) throw new Error('abiVersion is ' + a.abiVersion + ', expected ${ABI_VERSION}');` +
    "if (a.nodeAbi !== Number(process.versions.modules)) throw new Error('built for Node ABI ' + a.nodeAbi + ', this Node has ' + process.versions.modules);";
  const [command, ...prefix] = [...emulator, node];
  const result = spawnSync(command, [...prefix, '-e', check, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status === 0) return null;
  const message = /^(?:Error|TypeError): (.*)$/m.exec(result.stderr ?? '')?.[1];
  return message ?? (result.error?.message || `node exited with code ${result.status}`);
}

/** Writes the install record (build/install-result.json) for the loader's error messages. */
export function writeRecord(record) {
  const file = path.join(root, INSTALL_RECORD);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify({ ...record, node: process.version, nodeAbi: Number(process.versions.modules), platform: platformTag() }, null, 2)}\n`,
  );
}
