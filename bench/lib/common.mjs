// Small helpers shared by the runner, the groups and the drivers.
import { existsSync, mkdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';

/** bench/ */
export const BENCH = dirname(dirname(fileURLToPath(import.meta.url)));
/** the repository root (bench/..) */
export const ROOT = dirname(BENCH);
/** where compiled helpers go (gitignored) */
export const BUILD = join(BENCH, '.build');

/** Resolves after `ms` milliseconds. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Proportional set size of a live process, in MB (10^6 bytes), from /proc/PID/smaps_rollup. */
export function readPssMB(pid) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const m = /^Pss:\s+(\d+) kB$/m.exec(text);
  if (!m) throw new Error(`no Pss line in /proc/${pid}/smaps_rollup`);
  return (Number(m[1]) * 1024) / 1e6;
}

/** Polls until `path` exists (a child's readiness signal); rejects after `timeoutMs`. */
export async function waitForFile(path, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${path}`);
    await sleep(2);
  }
}

let scratch;
/** A per-run scratch directory, removed when the process exits. */
export function scratchDir() {
  if (!scratch) {
    scratch = mkdtempSync(join(tmpdir(), 'multiproc-bench-'));
    process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
  }
  return scratch;
}
let seq = 0;
/** A fresh path inside the scratch directory. */
export const scratchPath = (prefix) => join(scratchDir(), `${prefix}-${process.pid}-${++seq}`);

/** The absolute path of a package resolvable from `fromDir`'s node_modules, or null. */
export function resolveFrom(fromDir, specifier) {
  try {
    return createRequire(join(fromDir, 'noop.js')).resolve(specifier);
  } catch {
    return null;
  }
}

/** Whether `tsx` is installed in the repository (a devDependency of the package). */
export function tsxReason() {
  return resolveFrom(ROOT, 'tsx') ? null : 'tsx is not installed (run npm install at the repository root)';
}

/** Ensures a directory exists. */
export const ensureDir = (dir) => mkdirSync(dir, { recursive: true });
