// `npm run demo`: replays the seed lesson's examples that exist, each under the runner it needs
// (examples 1-3 fork, so they run under `multiproc run`, which adds --single-threaded).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const cli = 'dist/cli/main.js';
const examples = [
  { file: 'examples/01-fork-wait.ts', args: ['3'], fork: true, title: 'fork() and wait(): a child that loops, a parent that waits' },
  { file: 'examples/02-copied-memory.ts', args: [], fork: true, title: 'the child gets a copy of memory' },
  { file: 'examples/03-shared-fd.ts', args: [], fork: true, title: 'parent and child share an open file' },
  { file: 'examples/04-process.ts', args: [], fork: false, title: 'Process(target, args) and a Process subclass' },
];

let failed = 0;
for (const example of examples) {
  if (!existsSync(example.file)) continue;
  console.log(`\n=== ${example.file}: ${example.title}`);
  const command = example.fork
    ? [process.execPath, cli, 'run', example.file, ...example.args]
    : [process.execPath, '--import', 'tsx', example.file, ...example.args];
  const result = spawnSync(command[0], command.slice(1), { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`!!! ${example.file} ended with ${result.status ?? result.signal}`);
    failed++;
  }
}
process.exit(failed === 0 ? 0 : 1);
