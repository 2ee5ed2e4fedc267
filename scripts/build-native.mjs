#!/usr/bin/env node
// Builds the native addon (build/Release/multiproc.node) with node-gyp during `npm install`.
// It never fails the install: where the addon cannot be built, it prints one warning and exits 0,
// because the `spawn` start method works without it (native features then say they are unavailable).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function warn(what, details = '') {
  const tail = details.trim().split('\n').slice(-25).join('\n');
  process.stderr.write(
    `multiproc: warning: ${what}\n` +
      `multiproc: the 'spawn' start method still works; 'fork', 'forkserver' and multiproc/os ` +
      `will throw an error saying the native addon is unavailable.\n` +
      (tail ? `multiproc: last lines of the build output:\n${tail}\n` : ''),
  );
  process.exit(0);
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

function main() {
  if (process.platform !== 'linux') {
    warn(`the native addon is built on Linux only (this is ${process.platform}); skipping it.`);
  }
  const [command, ...args] = findNodeGyp();
  args.push('rebuild');
  // Outside npm, node-gyp would download headers; use the running Node's own when it has them.
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (!process.env.npm_config_nodedir && existsSync(path.join(prefix, 'include/node/common.gypi'))) {
    args.push(`--nodedir=${prefix}`);
  }
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.error) warn(`could not run node-gyp (${command} ${args.join(' ')}): ${result.error.message}.`);
  if (result.status !== 0) {
    const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.status}`;
    warn(`building the native addon failed: node-gyp ${how}.`, output);
  }
  if (!existsSync(path.join(root, 'build/Release/multiproc.node'))) {
    warn('node-gyp reported success but build/Release/multiproc.node is missing.', output);
  }
}

main();
