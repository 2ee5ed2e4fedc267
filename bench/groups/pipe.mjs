// Pipe: round trips of a small object, and 1 MiB messages (issue 4).
// Two groups: pipe-rtt (round trips/s) and pipe-bytes (GB/s). Run each pinned (--pin) and
// unpinned: round trips are bimodal by CPU placement (two vCPUs: cross-CPU wake-ups; one: none).
import { execFile, fork } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import * as mp from '../lib/multiproc.mjs';
import { buildC } from '../lib/cbuild.mjs';
import { pythonRow } from '../lib/rows.mjs';
import { BENCH, ROOT } from '../lib/common.mjs';

const exec = promisify(execFile);
/** The small object of every round-trip row (the same in bench/python/driver.py). */
const SMALL = { id: 1, name: 'hello', values: [1, 2, 3] };
const MiB = 1 << 20;
const rttCount = (ctx) => (ctx.quick ? 5_000 : 20_000);
const bulkCount = (ctx) => (ctx.quick ? 64 : 256); // messages of 1 MiB per sample

// ---- Node IPC (child_process.fork + process.send) -------------------------------------------

function nodeIpc(script, serialization) {
  let child;
  const start = () => {
    child = fork(join(BENCH, 'targets', script), [], { cwd: ROOT, execArgv: [], serialization });
    return new Promise((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  };
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.disconnect();
    child.kill('SIGTERM');
    await gone;
  };
  const next = () => new Promise((resolve) => child.once('message', resolve));
  return {
    start,
    stop,
    get child() {
      return child;
    },
    next,
  };
}

function nodeRttRow(id, label, serialization) {
  const ipc = nodeIpc('echo-ipc.js', serialization);
  return {
    id,
    label,
    available: async () => null,
    setup: ipc.start,
    teardown: ipc.stop,
    async run(ctx) {
      const n = rttCount(ctx);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const back = ipc.next();
        ipc.child.send(SMALL);
        await back;
      }
      return n / ((performance.now() - t0) / 1e3);
    },
  };
}

// ---- multiproc Pipe -------------------------------------------------------------------------

/** A multiproc child running `targetName` of bench/targets/connection.mjs on one end of a Pipe. */
function mpPeer(targetName) {
  const state = {};
  return {
    state,
    available: () => mp.reason({ exports: ['Pipe', 'Process'] }),
    async setup() {
      const m = await mp.load();
      const fn = await mp.target({ file: 'connection.mjs', name: targetName });
      const [a, b] = m.Pipe();
      // The peer's start method does not change what is measured (the Pipe between two running
      // processes); 'spawn' keeps the runner from starting a fork server for these rows.
      const { Process } = m.getContext('spawn');
      const p = new Process({ target: fn, args: [b] });
      p.start();
      // One exchange proves the child holds its end (both targets answer { count: 0 }); then
      // the parent closes its copy of that end, as in Python, so the child sees EOF at teardown.
      await a.send({ count: 0 });
      await a.recv();
      b.close();
      Object.assign(state, { a, p });
    },
    async teardown() {
      state.a?.close();
      await state.p?.join();
    },
  };
}

function mpRttRow() {
  const peer = mpPeer('echo');
  return {
    id: 'mp-pipe',
    label: 'multiproc Pipe send/recv',
    available: peer.available,
    setup: peer.setup,
    teardown: peer.teardown,
    async run(ctx) {
      const { a } = peer.state;
      const n = rttCount(ctx);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        await a.send(SMALL);
        await a.recv();
      }
      return n / ((performance.now() - t0) / 1e3);
    },
  };
}

function mpBulkRow(mode) {
  const peer = mpPeer('sink');
  return {
    id: `mp-${mode}`,
    label: {
      bytes: 'multiproc Connection.sendBytes / recvBytes',
      into: 'multiproc Connection.sendBytes / recvBytesInto (one reused buffer)',
      send: 'multiproc Connection.send / recv (Uint8Array)',
    }[mode],
    available: peer.available,
    setup: peer.setup,
    teardown: peer.teardown,
    async run(ctx) {
      const { a } = peer.state;
      const count = bulkCount(ctx);
      const buf = new Uint8Array(MiB);
      const t0 = performance.now();
      await a.send({ count, mode });
      for (let i = 0; i < count; i++) {
        if (mode === 'send') await a.send(buf);
        else await a.sendBytes(buf);
      }
      await a.recv();
      return (count * MiB) / ((performance.now() - t0) / 1e3) / 1e9;
    },
  };
}

/** A RawArray shared with a child: the parent fills it (copies 1 MiB blocks), the child checks it. */
function mpRawArrayRow() {
  const SIZE = 64 * MiB;
  const state = {};
  return {
    id: 'mp-rawarray',
    label: 'multiproc RawArray: copy into shared memory, seen by the child',
    available: () => mp.reason({ exports: ['Pipe', 'Process', 'RawArray'] }),
    async setup() {
      const m = await mp.load();
      const fn = await mp.target({ file: 'connection.mjs', name: 'sharedReader' });
      const array = m.RawArray('u8', SIZE);
      const [a, b] = m.Pipe();
      const { Process } = m.getContext('spawn'); // see mpPeer
      const p = new Process({ target: fn, args: [array, b] });
      p.start();
      await a.send({ value: 0 });
      await a.recv();
      b.close();
      Object.assign(state, { a, p, array, round: 0 });
    },
    async teardown() {
      state.a?.close();
      await state.p?.join();
    },
    async run(ctx) {
      const { a, array } = state;
      const value = (++state.round % 250) + 1;
      const block = new Uint8Array(MiB).fill(value);
      const passes = ctx.quick ? 1 : 4;
      const t0 = performance.now();
      for (let pass = 0; pass < passes; pass++) for (let at = 0; at < SIZE; at += MiB) array.set(block, at);
      await a.send({ value });
      const matched = await a.recv();
      const seconds = (performance.now() - t0) / 1e3;
      if (matched !== SIZE / 4096) throw new Error(`the child saw ${matched} of ${SIZE / 4096} pages updated`);
      return (passes * SIZE) / seconds / 1e9;
    },
  };
}

/**
 * A request/response server: this process sends a request to each of two echo children, then
 * awaits both replies, over and over (3 processes on however many CPUs). `spin: false` tells
 * every connection never to spin (an internal switch), the comparison for the learned policy.
 */
function mpServerRow(spin) {
  const state = {};
  const NEVER_SPIN = Symbol.for('multiproc.connection.neverSpin');
  return {
    id: spin ? 'mp-server' : 'mp-server-nospin',
    label: spin ? 'multiproc Pipe, 1 parent ↔ 2 children, replies interleaved' : 'the same, no connection ever spins',
    available: () => mp.reason({ exports: ['Pipe', 'Process'] }),
    async setup() {
      const m = await mp.load();
      const fn = await mp.target({ file: 'connection.mjs', name: spin ? 'echo' : 'echoNoSpin' });
      const { Process } = m.getContext('spawn'); // see mpPeer
      state.peers = [];
      for (let k = 0; k < 2; k++) {
        const [a, b] = m.Pipe();
        if (!spin) a[NEVER_SPIN]?.();
        const p = new Process({ target: fn, args: [b] });
        p.start();
        await a.send({ count: 0 });
        await a.recv();
        b.close();
        state.peers.push({ a, p });
      }
    },
    async teardown() {
      for (const { a } of state.peers ?? []) a.close();
      for (const { p } of state.peers ?? []) await p.join();
    },
    async run(ctx) {
      const [x, y] = state.peers.map((peer) => peer.a);
      const n = rttCount(ctx) / 2;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        await x.send(SMALL);
        await y.send(SMALL);
        await x.recv();
        await y.recv();
      }
      return (2 * n) / ((performance.now() - t0) / 1e3);
    },
  };
}

// ---- groups ---------------------------------------------------------------------------------

const cPingPong = {
  id: 'c-pipe',
  label: 'C pipe ping-pong, 1 byte (bench/c/pingpong.c)',
  async available() {
    return buildC('pingpong').reason ?? null;
  },
  async run(ctx) {
    const { stdout } = await exec(buildC('pingpong').path, [String(rttCount(ctx))]);
    return Number(stdout.trim());
  },
};

const rtt = {
  name: 'pipe-rtt',
  title: 'round trips of a small object between two processes',
  unit: 'round trips/s',
  higherIsBetter: true,
  baseline: 'node-json',
  rounds: 10,
  quickRounds: 3,
  rows: [
    nodeRttRow('node-json', 'Node process.send, serialization json', 'json'),
    nodeRttRow('node-advanced', 'Node process.send, serialization advanced', 'advanced'),
    pythonRow({ id: 'py-pipe', label: 'Python multiprocessing.Pipe', cmd: 'pipe_rtt', params: (ctx) => ({ n: rttCount(ctx) }) }),
    cPingPong,
    mpRttRow(),
  ],
  notes: `
Object: \`${JSON.stringify(SMALL)}\`; each sample is ${rttCount({ quick: false })} sequential round
trips (${rttCount({ quick: true })} with --quick), timed in the measuring process. The C row
sends one byte. Goal (issue 4): multiproc ≥ 80k round trips/s. The multiproc child is started
with 'spawn' (the start method does not change what is measured). A multiproc Pipe carries a
message this small in its shared-memory lane (docs/DECISIONS.md): no read(2) or write(2) while
the receiver is awake; with more than one CPU a receive awaiting a reply may spin on the lane
before it sleeps (for as long as sleeping measured, while spins meet their reply; see
src/connection/spin-policy.ts), and a sleeping receiver is woken by a one-frame write on the socket.
Pinned to one CPU (--pin) it never spins, so every message wakes the peer through the socket. On
these VMs a syscall is µs (measured in C: unix-socket write 2.2 µs, read 2.3 µs, getppid 1.1 µs),
so a round trip of a socket protocol costs ≥ 4 of them plus the peers' work; the C row (a pipe,
one byte, blocking) is that floor for a protocol that sleeps in the kernel. Both Node rows and
the multiproc row run JIT-compiled code: the round of warm-up the runner discards matters.
`,
};

const server = {
  name: 'pipe-server',
  title: 'request/response server: one parent, two children, replies interleaved',
  unit: 'replies/s',
  higherIsBetter: true,
  baseline: 'mp-server-nospin',
  rounds: 10,
  quickRounds: 3,
  rows: [mpServerRow(false), mpServerRow(true)],
  notes: `
Each sample: the parent sends \`${JSON.stringify(SMALL)}\` to each of two echo children, then
receives both replies, ${rttCount({ quick: false }) / 2} times (${rttCount({ quick: true }) / 2} with --quick).
Three processes on the machine's CPUs: the case where a receive that spins could take the CPU
a peer needs (issue 16). The baseline row tells every connection never to spin (an internal
switch); goal: the spinning row never slower than it.
`,
};

const nodeBulk = (() => {
  const ipc = nodeIpc('sink-ipc.js', 'advanced');
  return {
    id: 'node-advanced',
    label: 'Node process.send, advanced (Uint8Array)',
    available: async () => null,
    setup: ipc.start,
    teardown: ipc.stop,
    async run(ctx) {
      const count = bulkCount(ctx);
      const buf = new Uint8Array(MiB);
      const done = ipc.next();
      const t0 = performance.now();
      ipc.child.send(count);
      const inflight = [];
      for (let i = 0; i < count; i++) {
        inflight.push(new Promise((resolve) => ipc.child.send(buf, resolve)));
        if (inflight.length >= 4) await inflight.shift();
      }
      await done;
      return (count * MiB) / ((performance.now() - t0) / 1e3) / 1e9;
    },
  };
})();

const bytes = {
  name: 'pipe-bytes',
  title: '1 MiB messages between two processes',
  unit: 'GB/s',
  higherIsBetter: true,
  baseline: 'dd-cat',
  rounds: 8,
  quickRounds: 3,
  rows: [
    {
      id: 'dd-cat',
      label: '`dd bs=1M | cat` (raw pipe)',
      available: async () => null,
      async run(ctx) {
        const count = bulkCount(ctx);
        const t0 = performance.now();
        await exec('sh', ['-c', `dd if=/dev/zero bs=1M count=${count} status=none | cat > /dev/null`]);
        return (count * MiB) / ((performance.now() - t0) / 1e3) / 1e9;
      },
    },
    {
      id: 'c-fresh-memory',
      label: 'C: first touch of fresh memory (mmap, 1 write per 4 KiB page; reference)',
      async available() {
        return buildC('pagefault').reason ?? null;
      },
      async run(ctx) {
        const { stdout } = await exec(buildC('pagefault').path, [String(bulkCount(ctx))]);
        return Number(stdout.trim());
      },
    },
    nodeBulk,
    pythonRow({
      id: 'py-pipe',
      label: 'Python Pipe send_bytes/recv_bytes',
      cmd: 'pipe_bytes',
      params: (ctx) => ({ count: bulkCount(ctx), size: MiB }),
    }),
    mpBulkRow('bytes'),
    mpBulkRow('into'),
    mpBulkRow('send'),
    mpRawArrayRow(),
  ],
  notes: `
GB/s = 10^9 bytes/s. Each sample moves ${bulkCount({ quick: false })} messages of 1 MiB
(${bulkCount({ quick: true })} with --quick) one way and waits for the receiver's
acknowledgement after the last. The \`dd | cat\` row is timed from spawning \`sh\` to its exit, so
it includes starting three processes (a few ms). \`c-fresh-memory\` is no IPC: it is how fast
this machine hands out fresh pages (one page fault per 4 KiB), the ceiling of any receiver that
allocates a new buffer per message; on these VMs a page fault costs tens of µs, so reusing
buffers matters. Goal (issue 4): multiproc ≥ 0.8× the raw pipe. \`mp-into\` receives every
message into one reused buffer (recvBytesInto); \`mp-bytes\` allocates one per message, as
Python's recv_bytes. \`mp-rawarray\` is no pipe: the parent copies 1 MiB blocks over a 64 MiB
RawArray (${4 * 64} MiB per sample, 64 with --quick; its pages were touched in the warm-up),
then the child checks one byte per page and answers; time from the first copy to the answer.
Goal: ≥ 5 GB/s.
`,
};

export const groups = [rtt, server, bytes];
