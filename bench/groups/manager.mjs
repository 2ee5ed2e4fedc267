// Manager dict get/set: operations per second through a manager process, one round trip each
// (issue 14), against Python's multiprocessing Manager in the same run.
import { performance } from 'node:perf_hooks';
import * as mp from '../lib/multiproc.mjs';
import { pythonRow } from '../lib/rows.mjs';

const ops = (ctx) => (ctx.quick ? 4_000 : 20_000);

let shared; // { manager, pipeDict, socketManager, socketDict }

async function setup() {
  if (shared) return;
  const m = await mp.load();
  // The start method does not change what is measured; the default (forkserver) is what users get.
  const manager = await m.Manager.start();
  const pipeDict = await manager.dict();
  // A second connection to the same manager by its address, as a child process has it.
  const socketManager = new m.Manager({ address: manager.address });
  await socketManager.connect();
  const socketDict = await socketManager.dict();
  shared = { manager, pipeDict, socketManager, socketDict };
}

async function teardown() {
  if (!shared) return;
  await shared.socketManager.shutdown();
  await shared.manager.shutdown();
  shared = undefined;
}

async function setGet(d, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await d.set('k', i);
    await d.get('k');
  }
  return (2 * n) / ((performance.now() - t0) / 1e3);
}

const row = (id, label, which) => ({
  id,
  label,
  available: () => mp.reason({ exports: ['Manager'] }),
  setup,
  teardown,
  run: (ctx) => setGet(shared[which], ops(ctx) / 2),
});

export default {
  name: 'manager',
  title: 'Manager dict: set + get, one round trip each',
  unit: 'ops/s',
  higherIsBetter: true,
  baseline: 'py-manager-dict',
  rounds: 8,
  quickRounds: 3,
  rows: [
    pythonRow({
      id: 'py-manager-dict',
      label: "Python Manager().dict(): d['k'] = i; d['k']",
      cmd: 'manager_dict',
      params: (ctx) => ({ n: ops(ctx) / 2 }),
    }),
    row('mp-manager-dict', 'multiproc Manager dict from the process that started it (its Pipe)', 'pipeDict'),
    row('mp-manager-dict-socket', 'multiproc Manager dict over a connection by address (unix socket, as a child)', 'socketDict'),
  ],
  notes: `
Each sample is ${ops({ quick: false })} operations (${ops({ quick: true })} with --quick): n/2 rounds of
\`await d.set('k', i); await d.get('k')\` (Python: \`d['k'] = i; d['k']\`), each one request and
one reply. Each manager's process is started once and kept between rounds (multiproc: the
default context, forkserver; Python: its default context).
`,
};
