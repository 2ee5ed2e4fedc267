// start→join of an empty target, per start method, against child_process.fork and Python.
import * as mp from '../lib/multiproc.mjs';
import { forkScript, nodeDriverRow, pythonRow, TSX } from '../lib/rows.mjs';
import { tsxReason } from '../lib/common.mjs';

export const name = 'start-join';
export const title = 'start→join of an empty target';
export const unit = 'ms';
export const higherIsBetter = false;
export const baseline = 'cp-fork-js';
export const rounds = 30;
export const quickRounds = 8;

const EMPTY_JS = { file: 'empty.mjs', name: 'empty' };
const EMPTY_TS = { file: 'empty.ts', name: 'empty' };
const EMPTY_CJS = { file: 'empty-cjs.cjs', name: 'empty' };
const HANDLERS = 'bench/lib/multiproc.mjs';

/** multiproc, in the runner's own process (as the user's program would be). */
const inRunner = (id, method, target = EMPTY_JS, kind = '.js target') => ({
  id,
  label: `multiproc ${method} (${kind})`,
  available: () => mp.probe({ method, target }),
  run: () => mp.startJoin({ method, target }),
});

/** multiproc, in a helper process started with `flags`. */
const inHelper = (id, label, method, flags, target, extra = {}) =>
  nodeDriverRow({
    id,
    label,
    flags,
    handlers: HANDLERS,
    cmd: 'startJoin',
    params: { method, target },
    probe: { cmd: 'probe', params: { method, target } },
    ...extra,
  });

export const rows = [
  {
    id: 'cp-fork-js',
    label: 'child_process.fork(empty .js) to exit',
    available: async () => null,
    run: () => forkScript('empty-main.js').exited,
  },
  {
    id: 'cp-fork-ts',
    label: 'child_process.fork(empty .ts, --import tsx) to exit',
    available: async () => tsxReason(),
    run: () => forkScript('empty-main.ts', { execArgv: TSX }).exited,
  },
  pythonRow({ id: 'py-fork', label: 'Python multiprocessing fork', cmd: 'start_join', params: { method: 'fork' } }),
  pythonRow({
    id: 'py-forkserver',
    label: 'Python multiprocessing forkserver',
    cmd: 'start_join',
    params: { method: 'forkserver' },
  }),
  pythonRow({ id: 'py-spawn', label: 'Python multiprocessing spawn', cmd: 'start_join', params: { method: 'spawn' } }),
  inRunner('mp-spawn', 'spawn'),
  inRunner('mp-forkserver', 'forkserver'),
  inRunner('mp-spawn-cjs', 'spawn', EMPTY_CJS, '.cjs target that requires multiproc'),
  inHelper('mp-fork', 'multiproc fork (.js target; helper runs node --single-threaded)', 'fork', ['--single-threaded'], EMPTY_JS),
  inHelper('mp-forkserver-ts', 'multiproc forkserver (.ts target; helper runs node --import tsx)', 'forkserver', TSX, EMPTY_TS, {
    baseline: 'cp-fork-ts',
  }),
  inHelper('mp-spawn-ts', 'multiproc spawn (.ts target; helper runs node --import tsx)', 'spawn', TSX, EMPTY_TS, {
    baseline: 'cp-fork-ts',
  }),
];

export const notes = `
Python rows are timed inside one long-lived \`python3\` (bench/python/driver.py), so Python's
start-up is not counted; the first start of a forkserver (its server) falls in the warm-up round.
multiproc \`spawn\`/\`forkserver\` .js rows run in the runner's own process; \`fork\` runs in a
helper started with \`node --single-threaded\` (fork requires it), the .ts rows in a helper started
with \`node --import tsx\`; helpers are driven over stdin/stdout and time each start→join
themselves. .ts rows are compared with \`child_process.fork\` of a .ts file through tsx.
Goals (issues 2, 3): spawn ≤ 1.1× child_process.fork; forkserver ≤ 3 ms (.js), ≤ 5 ms (.ts); fork ≤ 2 ms.
`;
