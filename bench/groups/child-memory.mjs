// PSS of an idle child, per way of starting it.
import { existsSync, unlinkSync } from 'node:fs';
import * as mp from '../lib/multiproc.mjs';
import { forkScript, nodeDriverRow, pythonRow, TSX } from '../lib/rows.mjs';
import { readPssMB, scratchPath, sleep, tsxReason, waitForFile } from '../lib/common.mjs';

export const name = 'child-memory';
export const title = 'PSS of an idle child (MB, from /proc/PID/smaps_rollup)';
export const unit = 'MB';
export const higherIsBetter = false;
export const baseline = 'cp-fork-js';
export const rounds = 10;
export const quickRounds = 3;

/** How long a child idles after signalling readiness before its PSS is read. */
const SETTLE_MS = 200;
const IDLE_JS = { file: 'idle.mjs', name: 'idle' };
const IDLE_TS = { file: 'idle.ts', name: 'idle' };
const HANDLERS = 'bench/lib/multiproc.mjs';

/** child_process.fork of an idle script: PSS once it is ready, then SIGTERM. */
async function cpForkPss(script, execArgv) {
  const path = scratchPath('ready');
  const { child, exited } = forkScript(script, { args: [path], execArgv });
  try {
    await Promise.race([
      waitForFile(path),
      exited.then(() => {
        throw new Error(`${script} ended early`);
      }),
    ]);
    await sleep(SETTLE_MS);
    return readPssMB(child.pid);
  } finally {
    child.kill('SIGTERM');
    await exited.catch(() => {});
    if (existsSync(path)) unlinkSync(path);
  }
}

const pyRow = (method) =>
  pythonRow({
    id: `py-${method}`,
    label: `Python multiprocessing ${method}`,
    cmd: 'idle_pss',
    params: () => ({ method, path: scratchPath('ready'), settle_ms: SETTLE_MS }),
    probe: { method },
  });

const inRunner = (method) => ({
  id: `mp-${method}`,
  label: `multiproc ${method} (.js target)`,
  available: () => mp.probeIdle({ method, target: IDLE_JS }),
  run: () => mp.idlePss({ method, target: IDLE_JS, settleMs: SETTLE_MS }),
});

const inHelper = (id, label, method, flags, target, extra = {}) =>
  nodeDriverRow({
    id,
    label,
    flags,
    handlers: HANDLERS,
    cmd: 'idlePss',
    params: { method, target, settleMs: SETTLE_MS },
    probe: { cmd: 'probeIdle', params: { method, target } },
    ...extra,
  });

export const rows = [
  {
    id: 'cp-fork-js',
    label: 'child_process.fork(.js)',
    available: async () => null,
    run: () => cpForkPss('idle-main.js', []),
  },
  {
    id: 'cp-fork-ts',
    label: 'child_process.fork(.ts, --import tsx)',
    available: async () => tsxReason(),
    run: () => cpForkPss('idle-main.ts', TSX),
  },
  pyRow('fork'),
  pyRow('forkserver'),
  pyRow('spawn'),
  inRunner('spawn'),
  inRunner('forkserver'),
  inHelper('mp-fork', 'multiproc fork (.js target; helper runs node --single-threaded)', 'fork', ['--single-threaded'], IDLE_JS),
  inHelper('mp-spawn-ts', 'multiproc spawn (.ts target; helper runs node --import tsx)', 'spawn', TSX, IDLE_TS, {
    baseline: 'cp-fork-ts',
  }),
  inHelper('mp-forkserver-ts', 'multiproc forkserver (.ts target; helper runs node --import tsx)', 'forkserver', TSX, IDLE_TS, {
    baseline: 'cp-fork-ts',
  }),
];

export const notes = `
Each child writes one byte to a file when it is ready, then idles; its PSS is read
${SETTLE_MS} ms later, then it is terminated and joined. PSS splits pages shared with other
processes (a fork parent, a fork server) among them, so a forked child's figure is what it adds.
Python rows run inside one long-lived \`python3\` (bench/python/driver.py), which reads the PSS
itself. Goal (issue 3): a forkserver child ≤ 8 MB.
`;
