// Row factories, so that adding a row to a group is one object literal.
// `params` may be an object or a function of the run context ({ quick, pinned }).
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pythonDriver, nodeDriver } from './driver.mjs';
import { BENCH, ROOT, tsxReason } from './common.mjs';

const resolveParams = (params, ctx) => (typeof params === 'function' ? params(ctx) : (params ?? {}));

/** A row measured by the Python helper: `cmd` of bench/python/driver.py returns the sample. */
export function pythonRow({ id, label, cmd, params, probe, baseline }) {
  return {
    id,
    label,
    baseline,
    async available(ctx) {
      try {
        return await pythonDriver().request('probe', resolveParams(probe ?? params, ctx));
      } catch (err) {
        return `python3 helper: ${err.message}`;
      }
    },
    run: (ctx) => pythonDriver().request(cmd, resolveParams(params, ctx)),
  };
}

/**
 * A row measured inside a Node helper started with `flags` (e.g. ['--single-threaded'] or
 * ['--import', 'tsx']) serving the commands of `handlers` (path from the repo root).
 * `probe` is { cmd, params }: a command that returns null when the row can run, else why not.
 */
export function nodeDriverRow({ id, label, flags, handlers, cmd, params, probe, baseline }) {
  const driver = () => nodeDriver(flags, handlers);
  return {
    id,
    label,
    baseline,
    async available(ctx) {
      if (flags.includes('tsx')) {
        const why = tsxReason();
        if (why) return why;
      }
      try {
        return await driver().request(probe.cmd, resolveParams(probe.params, ctx));
      } catch (err) {
        return `helper \`node ${flags.join(' ')}\`: ${err.message}`;
      }
    },
    run: (ctx) => driver().request(cmd, resolveParams(params, ctx)),
  };
}

/**
 * Starts `child_process.fork(script, args)` (script under bench/targets) with `execArgv`;
 * resolves with { child, exited } where `exited` resolves with ms from fork() to 'exit'.
 */
export function forkScript(script, { args = [], execArgv = [] } = {}) {
  const t0 = performance.now();
  const child = fork(join(BENCH, 'targets', script), args, { cwd: ROOT, execArgv });
  const exited = new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const ms = performance.now() - t0;
      if (code === 0 || signal === 'SIGTERM') resolve(ms);
      else reject(new Error(`${script} ended with ${signal ?? `exit code ${code}`}`));
    });
  });
  return { child, exited };
}

/** execArgv that loads TypeScript through tsx, as a user would run a .ts program. */
export const TSX = ['--import', 'tsx'];
