// Listener/Client (issue 14): round trips of a small object over a connection made by address,
// on a unix socket and on TCP loopback, and connections per second (connect, authenticate on
// TCP, one message, close), multiproc vs Python's multiprocessing.connection in the same run.
import { performance } from 'node:perf_hooks';
import * as mp from '../lib/multiproc.mjs';
import { pythonRow } from '../lib/rows.mjs';

/** The small object of every round-trip row (the same in bench/python/driver.py). */
const SMALL = { id: 1, name: 'hello', values: [1, 2, 3] };
const rttCount = (ctx) => (ctx.quick ? 5_000 : 20_000);
const connectCount = (ctx) => (ctx.quick ? 100 : 500);
/** TCP rows authenticate with this key on both sides (Python's needs one given); unix rows use none, as both libraries' defaults. */
const AUTHKEY = 'bench key';

const FAMILIES = { unix: 'AF_UNIX', tcp: 'AF_INET' };

/** A Listener here and a multiproc child (spawn) running `targetName` of bench/targets/connection.mjs against it. */
function mpServer(kind, targetName, childArgs) {
  const state = {};
  return {
    state,
    available: () => mp.reason({ exports: ['Listener', 'Client', 'Process'] }),
    async setup() {
      const m = await mp.load();
      const fn = await mp.target({ file: 'connection.mjs', name: targetName });
      const authkey = kind === 'tcp' ? AUTHKEY : null;
      const listener = new m.Listener({ family: FAMILIES[kind], authkey });
      const extra = childArgs(m);
      // The child's start method does not change what is measured; 'spawn' keeps the runner
      // from starting a fork server for these rows.
      const { Process } = m.getContext('spawn');
      const p = new Process({ target: fn, args: [listener.address, authkey, ...extra.args] });
      p.start();
      extra.started();
      Object.assign(state, { listener, p, ...extra.state });
    },
    async teardown() {
      state.conn?.close();
      state.ctrl?.close();
      await state.p?.join();
      state.listener?.close();
    },
  };
}

function mpRttRow(kind) {
  const server = mpServer(kind, 'clientEcho', () => ({ args: [], started: () => undefined, state: {} }));
  return {
    id: `mp-${kind}`,
    label: `multiproc Listener/Client over ${kind === 'unix' ? 'a unix socket' : 'TCP loopback'}`,
    available: server.available,
    async setup() {
      await server.setup();
      server.state.conn = await server.state.listener.accept();
    },
    teardown: server.teardown,
    async run(ctx) {
      const { conn } = server.state;
      const n = rttCount(ctx);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        await conn.send(SMALL);
        await conn.recv();
      }
      return n / ((performance.now() - t0) / 1e3);
    },
  };
}

function mpConnectRow(kind) {
  let ctrl;
  const server = mpServer(kind, 'connectLoop', (m) => {
    const [mine, theirs] = m.Pipe();
    ctrl = mine;
    return { args: [theirs], started: () => theirs.close(), state: { ctrl: mine } };
  });
  return {
    id: `mp-${kind}`,
    label: `multiproc ${kind === 'unix' ? 'unix socket' : 'TCP + authkey'}: Client, accept, one message, close`,
    available: server.available,
    setup: server.setup,
    teardown: server.teardown,
    async run(ctx) {
      const { listener } = server.state;
      const n = connectCount(ctx);
      const t0 = performance.now();
      await ctrl.send(n);
      for (let i = 0; i < n; i++) {
        const conn = await listener.accept();
        await conn.send(true);
        conn.close();
      }
      return n / ((performance.now() - t0) / 1e3);
    },
  };
}

const NOTES_COMMON = `
Python's rows run in bench/python/driver.py (its child started by Python's default start method),
multiproc's in the runner (its child started with 'spawn'); in both the Listener is in the
measuring process and the Client in the child. TCP rows authenticate with an authkey (the HMAC
handshake both ways: HMAC-SHA256 in multiproc, Python ≥ 3.12's form; the Python 3.11 here uses
its HMAC-MD5 one), unix rows use none, as both libraries' defaults. A multiproc receive awaiting
a reply may poll the socket before it sleeps, by the learned spin policy of every connection
(src/connection/spin-policy.ts, docs/DECISIONS.md); Python blocks in read(2).`;

function rttGroup(kind) {
  return {
    name: `listener-rtt-${kind}`,
    title: `round trips of a small object over a Listener/Client connection (${kind === 'unix' ? 'unix socket' : 'TCP loopback'})`,
    unit: 'round trips/s',
    higherIsBetter: true,
    baseline: `py-${kind}`,
    rounds: 10,
    quickRounds: 3,
    rows: [
      pythonRow({
        id: `py-${kind}`,
        label: `Python multiprocessing.connection Listener/Client (${FAMILIES[kind]})`,
        cmd: 'listener_rtt',
        params: (ctx) => ({ family: FAMILIES[kind], n: rttCount(ctx) }),
      }),
      mpRttRow(kind),
    ],
    notes: `
Object: \`${JSON.stringify(SMALL)}\`; each sample is ${rttCount({ quick: false })} sequential round trips
(${rttCount({ quick: true })} with --quick) on one connection made at setup. Goal (issue 14):
multiproc ≥ 1.5× Python. A connection by address has no shared-memory lane (a Pipe's): every
message is a write(2) and a read(2) on the socket.${NOTES_COMMON}
`,
  };
}

const connect = {
  name: 'listener-connect',
  title: 'connections per second: connect (and authenticate on TCP), one message, close',
  unit: 'connections/s',
  higherIsBetter: true,
  baseline: 'py-tcp',
  rounds: 8,
  quickRounds: 3,
  rows: [
    pythonRow({
      id: 'py-unix',
      label: 'Python unix socket',
      cmd: 'listener_connect',
      params: (ctx) => ({ family: 'AF_UNIX', n: connectCount(ctx) }),
    }),
    pythonRow({
      id: 'py-tcp',
      label: 'Python TCP + authkey',
      cmd: 'listener_connect',
      params: (ctx) => ({ family: 'AF_INET', n: connectCount(ctx) }),
    }),
    mpConnectRow('unix'),
    mpConnectRow('tcp'),
  ],
  notes: `
Each sample: ${connectCount({ quick: false })} connections (${connectCount({ quick: true })} with --quick)
made one after another by the child; the measuring process accepts each, sends one message and
closes it.${NOTES_COMMON}
`,
};

export const groups = [rttGroup('unix'), rttGroup('tcp'), connect];
