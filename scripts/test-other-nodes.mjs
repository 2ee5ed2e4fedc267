// The tests on the other supported Node majors (part of `npm test`): for each major in
// MULTIPROC_TEST_NODES (default: OTHER_MAJORS of scripts/other-nodes.mjs; empty to skip), the
// newest release from the npm registry, the addon prebuilt for its ABI (into prebuilds/, which the
// loader tries after build/), then the test files below under it. They cover what differs between
// majors: module loading (TypeScript through module.registerHooks from Node 22.15, Node
// internals on 20), the addon's V8 bridge and fork, start methods, CommonJS consumers.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ensureNode, OTHER_MAJORS, prebuildFor } from './other-nodes.mjs';
import { root } from './native-common.mjs';

const FILES = [
  'test/os',
  'test/native',
  'test/process/lifetime.test.ts',
  'test/process/child-options.test.ts',
  'test/process/arguments.test.ts',
  'test/process/compiled-target.test.ts',
  'test/process/grandchild-ts.test.ts',
  'test/process/late-import.test.ts',
  'test/pool/basic.test.ts',
  'test/package/consumers.test.ts',
  'test/cluster/example.test.ts',
];

const majors = (process.env.MULTIPROC_TEST_NODES ?? OTHER_MAJORS.join(' ')).split(/[\s,]+/).filter(Boolean);

function files() {
  const out = [];
  for (const entry of FILES) {
    const full = path.join(root, entry);
    if (!existsSync(full)) continue;
    if (entry.endsWith('.ts')) out.push(entry);
    else
      out.push(
        ...readdirSync(full)
          .filter((name) => name.endsWith('.test.ts'))
          .sort()
          .map((name) => path.join(entry, name)),
      );
  }
  return out;
}

let failed = 0;
for (const major of majors) {
  let node;
  try {
    node = ensureNode(major);
  } catch (error) {
    process.stderr.write(`test-other-nodes: Node ${major} could not be installed from the npm registry: ${error.message}\n`);
    failed++;
    continue;
  }
  const build = prebuildFor(node);
  process.stdout.write(`\n# Node ${build.version} (ABI ${build.abi}, ${node}): addon ${build.file}\n`);
  if (!build.ok) {
    process.stderr.write(
      `test-other-nodes: the addon did not build for Node ${build.version}:\n${build.output.split('\n').slice(-25).join('\n')}\n`,
    );
    failed++;
    continue;
  }
  // `node` run by name inside the tests (tsx's CLI, npm) is this one too
  const env = { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}` };
  const status = spawnSync(node, [path.join(root, 'scripts', 'test.mjs'), ...files()], { cwd: root, stdio: 'inherit', env }).status ?? 1;
  if (status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
