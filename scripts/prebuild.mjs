#!/usr/bin/env node
// The pack-time prebuild (`prepack`): compiles the addon with node-gyp against the running Node's
// own headers (nothing is downloaded), strips it, checks that it loads, and puts it where the
// loader and the install script look: prebuilds/<platform>-<arch>-<libc>/multiproc.abi<N>.node.
// The build is incremental (build/ is reused when it was configured for this Node ABI). With
// --all (what `prepack` runs) it also prebuilds for the other Node majors the package supports,
// with their official binaries from the npm registry (scripts/other-nodes.mjs); one it cannot get
// is a warning (users of that Node then build from source), not a failed pack; and the
// linux-arm64 prebuilds when a cross compiler is installed (prebuild-arm64.mjs; without one it
// says so and ships none). Elsewhere than Linux it ships nothing.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { LOCAL_BUILD, prebuildFile, probe, root, runNodeGyp } from './native-common.mjs';
import { ensureNode, OTHER_MAJORS, prebuildFor } from './other-nodes.mjs';
import { prebuildArm64All } from './prebuild-arm64.mjs';

let partial = '';

function fail(message, output = '') {
  if (partial) rmSync(partial, { force: true });
  process.stderr.write(`multiproc prebuild: ${message}\n${output.trim().split('\n').slice(-25).join('\n')}\n`);
  process.exit(1);
}

function configuredForThisNode() {
  const config = path.join(root, 'build', 'config.gypi');
  if (!existsSync(config) || !existsSync(path.join(root, 'build', 'Makefile'))) return false;
  const version = /"node_module_version":\s*(\d+)/.exec(readFileSync(config, 'utf8'))?.[1];
  return version === process.versions.modules;
}

if (process.platform !== 'linux') {
  process.stdout.write(`multiproc prebuild: nothing to prebuild on ${process.platform} (the addon is Linux-only)\n`);
  process.exit(0);
}
const build = runNodeGyp([configuredForThisNode() ? 'build' : 'rebuild']);
if (!build.ok) fail(build.reason, build.output);
const target = path.join(root, prebuildFile());
mkdirSync(path.dirname(target), { recursive: true });
partial = path.join(path.dirname(target), `.partial-${process.pid}.node`);
copyFileSync(path.join(root, LOCAL_BUILD), partial);
const strip = spawnSync('strip', ['--strip-unneeded', partial], { encoding: 'utf8' });
if (strip.status !== 0) fail(`strip --strip-unneeded ${partial} failed: ${strip.error?.message ?? strip.stderr}`);
const problem = probe(partial);
if (problem !== null) fail(`the stripped ${partial} does not load: ${problem}`);
renameSync(partial, target);
process.stdout.write(`multiproc prebuild: ${path.relative(root, target)}\n`);

if (process.argv.includes('--all')) {
  for (const major of OTHER_MAJORS) {
    try {
      const build = prebuildFor(ensureNode(major));
      if (!build.ok) throw new Error(build.output.split('\n').slice(-15).join('\n'));
      process.stdout.write(`multiproc prebuild: ${build.file} (Node ${build.version}, ${build.output})\n`);
    } catch (error) {
      process.stderr.write(`multiproc prebuild: warning: no prebuild for Node ${major}: ${error.message}\n`);
    }
  }
  prebuildArm64All();
}
