// The package as consumers' tools see it (part of `npm test`, after the build): packs it once
// without scripts (dist/ is already built), then @arethetypeswrong/cli (types for import and
// require under node10, node16 and bundlers) and publint (package.json against the files) on that
// tarball. Exits non-zero on any problem either reports.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const bin = (name) => path.join('node_modules', '.bin', name);
const dir = mkdtempSync(path.join(tmpdir(), 'multiproc-pack-'));
let status = 0;
try {
  const [{ filename }] = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const tarball = path.join(dir, filename);
  const tools = [
    [bin('attw'), tarball, '--format', 'ascii'],
    [bin('publint'), 'run', tarball, '--strict'],
  ];
  for (const [command, ...args] of tools) {
    const result = spawnSync(command, args, { stdio: 'inherit' });
    if (result.error) console.error(`check:package: could not run ${command}: ${result.error.message} (run npm ci)`);
    status ||= result.status ?? 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(status);
