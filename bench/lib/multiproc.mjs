// multiproc's rows, written against the public API (README.md) of the built package
// (dist/index.js). Used in the runner's own process, and as the handlers module of a Node
// driver (bench/drivers/node-driver.mjs) for rows that need other process flags: every export
// here that takes one `params` object is a driver command.
import { existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { BENCH, ROOT, readPssMB, scratchPath, sleep, waitForFile } from './common.mjs';

const DIST = join(ROOT, 'dist', 'index.js');
let loaded;

/** The built package, or throws saying why not. */
export async function load() {
  if (!existsSync(DIST)) throw new Error('dist/index.js not built (run npm run build)');
  loaded ??= await import(pathToFileURL(DIST).href);
  return loaded;
}

/** Why the built package cannot serve a row needing `exports`, or null. */
export async function reason({ exports = [] } = {}) {
  let m;
  try {
    m = await load();
  } catch (err) {
    return err.message;
  }
  const missing = exports.filter((name) => m[name] === undefined);
  return missing.length ? `dist/index.js does not export ${missing.join(', ')} yet` : null;
}

/** An exported function of a module under bench/targets ({ file, name }). */
export async function target({ file, name }) {
  const mod = await import(pathToFileURL(join(BENCH, 'targets', file)).href);
  if (typeof mod[name] !== 'function') throw new Error(`bench/targets/${file} has no export ${name}`);
  return mod[name];
}

async function context(method) {
  const m = await load();
  if (typeof m.getContext !== 'function') throw new Error('dist/index.js does not export getContext yet');
  return m.getContext(method);
}

/** Driver command: null when one start→join of `target` under `method` works, else why not. */
export async function probe({ method, target: t }) {
  const why = await reason({ exports: ['getContext'] });
  if (why) return why;
  try {
    await startJoin({ method, target: t });
    return null;
  } catch (err) {
    return `start method '${method}': ${err.message}`;
  }
}

/** Driver command: ms from `new Process` to `join()` resolving, for an empty target. */
export async function startJoin({ method, target: t }) {
  const ctx = await context(method);
  const fn = await target(t);
  const t0 = performance.now();
  const p = new ctx.Process({ target: fn });
  p.start();
  await p.join();
  const ms = performance.now() - t0;
  if (p.exitCode !== 0) throw new Error(`child ended with exit code ${p.exitCode}`);
  p.close?.();
  return ms;
}

/** Driver command: PSS (MB) of an idle child, `settleMs` after it signalled readiness. */
export async function idlePss({ method, target: t, settleMs = 0 }) {
  const ctx = await context(method);
  const fn = await target(t);
  const path = scratchPath('ready');
  const p = new ctx.Process({ target: fn, args: [path] });
  p.start();
  try {
    await waitForFile(path);
    await sleep(settleMs);
    return readPssMB(p.pid);
  } finally {
    p.terminate();
    await p.join();
    p.close?.();
    if (existsSync(path)) unlinkSync(path);
  }
}

/** Driver command: null when an idle child works under `method`, else why not. */
export async function probeIdle({ method, target: t }) {
  const why = await reason({ exports: ['getContext'] });
  if (why) return why;
  try {
    await idlePss({ method, target: t, settleMs: 0 });
    return null;
  } catch (err) {
    return `start method '${method}': ${err.message}`;
  }
}
