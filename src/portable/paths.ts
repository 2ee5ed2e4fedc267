// Where the portable path's sockets live: a private directory (mode 0700) under the system's
// temporary directory, made on first use and removed when this process exits. On Windows,
// named pipes (\\.\pipe\…), which live in no directory.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

let dir: string | null = null;

// The private directory of this process (made once).
function privateDir(): string {
  if (dir !== null) return dir;
  const made = mkdtempSync(path.join(tmpdir(), 'multiproc-'));
  dir = made;
  process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  return made;
}

/** A fresh address for a portable socket of this process: `kind` names what listens on it. */
export function freshAddress(kind: string): string {
  const name = `${kind}-${process.pid}-${randomBytes(6).toString('hex')}`;
  if (process.platform === 'win32') return `\\\\.\\pipe\\multiproc-${name}`;
  return path.join(privateDir(), `${name}.sock`);
}
