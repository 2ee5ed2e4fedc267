// Compiles a C helper of bench/c/ into bench/.build/ (gitignored) with `cc`, when it is missing
// or older than its source.
import { existsSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BENCH, BUILD, ensureDir } from './common.mjs';

/** Builds bench/c/<name>.c; returns { path } or { reason } when it cannot be built. */
export function buildC(name) {
  const src = join(BENCH, 'c', `${name}.c`);
  const out = join(BUILD, name);
  try {
    if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
      ensureDir(BUILD);
      execFileSync('cc', ['-O2', '-Wall', '-o', out, src], { stdio: ['ignore', 'pipe', 'pipe'] });
    }
    return { path: out };
  } catch (err) {
    const detail = err.code === 'ENOENT' ? 'no C compiler (`cc`) on this machine' : String(err.stderr || err.message).trim();
    return { reason: `cannot build bench/c/${name}.c: ${detail}` };
  }
}
