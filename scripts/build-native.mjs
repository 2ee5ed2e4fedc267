#!/usr/bin/env node
// The install script: gets the native addon in place during `npm install` / `npm rebuild`.
// A shipped prebuild (prebuilds/<platform>-<arch>-<libc>/multiproc.abi<N>.node) that loads here
// is used as it is; otherwise node-gyp builds build/Release/multiproc.node from native/.
// `npm rebuild multiproc --build-from-source` skips the prebuild. It never fails the install
// (the `spawn` start method works without the addon): it prints a warning and records the outcome
// in build/install-result.json, which the first native feature's error repeats.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { LOCAL_BUILD, prebuildFile, probe, root, runNodeGyp, writeRecord } from './native-common.mjs';

function warn(what, output = '') {
  const tail = output.trim().split('\n').slice(-25).join('\n');
  process.stderr.write(
    `multiproc: warning: ${what}\n` +
      `multiproc: spawn Processes, Pipe, Queue, the locks, Event, Condition, Barrier, Value and Pool still work (the slower portable path); ` +
      `'fork', 'forkserver', shared memory (RawArray, SharedArray, SharedMemory), the *Sync waits, Listener/Client, Managers and multiproc/os will throw NativeUnavailableError saying why.\n` +
      (tail ? `multiproc: last lines of the build output:\n${tail}\n` : ''),
  );
}

// A source checkout (src/ is not published) builds what its native/ says, never a packed prebuild.
function fromSource() {
  if (existsSync(path.join(root, 'src', 'index.ts'))) return true;
  const flag = process.env.npm_config_build_from_source ?? process.env.MULTIPROC_BUILD_FROM_SOURCE ?? '';
  return flag !== '' && flag !== 'false' && flag !== '0';
}

function main() {
  if (process.platform !== 'linux') {
    const name = process.platform === 'darwin' ? 'macOS' : process.platform === 'win32' ? 'Windows' : process.platform;
    const reason = `multiproc's native addon is Linux-only: there is no build for ${name} (${process.platform}-${process.arch})`;
    writeRecord({ outcome: 'skipped', reason });
    warn(`${reason}; skipping it.`);
    return;
  }
  let prebuildProblem = null;
  const prebuild = prebuildFile();
  if (fromSource()) {
    prebuildProblem = 'a build from source was asked for (a source checkout, or --build-from-source)';
  } else if (!existsSync(path.join(root, prebuild))) {
    prebuildProblem = `no prebuild for this system (${prebuild})`;
  } else {
    prebuildProblem = probe(path.join(root, prebuild));
    if (prebuildProblem === null) {
      writeRecord({ outcome: 'prebuild', file: prebuild });
      process.stdout.write(`multiproc: using the prebuilt addon ${prebuild}\n`);
      return;
    }
    prebuildProblem = `the prebuild ${prebuild} does not load here: ${prebuildProblem}`;
  }
  const build = runNodeGyp(['rebuild']);
  if (!build.ok) {
    writeRecord({ outcome: 'failed', reason: build.reason, prebuild: prebuildProblem, output: build.output.trim().split('\n').slice(-60) });
    warn(`building the native addon failed: ${build.reason} (${prebuildProblem}).`, build.output);
    return;
  }
  const problem = existsSync(path.join(root, LOCAL_BUILD))
    ? probe(path.join(root, LOCAL_BUILD))
    : `node-gyp reported success but ${LOCAL_BUILD} is missing`;
  if (problem !== null) {
    const reason = `the freshly built ${LOCAL_BUILD} does not load: ${problem}`;
    writeRecord({ outcome: 'failed', reason, prebuild: prebuildProblem, output: build.output.trim().split('\n').slice(-60) });
    warn(`${reason}.`, build.output);
    return;
  }
  writeRecord({ outcome: 'built', file: LOCAL_BUILD, prebuild: prebuildProblem });
}

main();
