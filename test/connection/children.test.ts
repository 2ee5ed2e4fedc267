// Connections passed to children under every start method: as arguments (spawn: inherited fds,
// forkserver: SCM_RIGHTS, fork: the child's copy), nested in arguments, one-way, large
// messages, a crashed child (EOF, never a hang), a grandchild; and fork's inherited Connections.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionClosedError, getContext, Pipe, type Connection } from '../../src/index.ts';
import { loadNative } from '../../src/native/binding.ts';
import {
  announceAndWait,
  countUntilEof,
  describe as describeTarget,
  echo,
  echoBytes,
  nested,
  passToGrandchild,
  recvAfterGo,
  sendAll,
} from '../fixtures/connection/targets.ts';
import { testedMethods, track } from '../helpers.ts';
import { checkTakingTurns } from './take-turns.ts';

const skip = loadNative() === null ? 'the native addon is not built' : false;

for (const method of testedMethods()) {
  const { Process } = getContext(method);

  describe(`Connection passed to a child (${method})`, { skip }, () => {
    it('once a child holds a copy of an end, the parent reads exactly one message at a time (the next stays for the child)', async () => {
      const [a, b] = Pipe();
      const [goTx, goRx] = Pipe();
      const [report, reportTx] = Pipe();
      await a.send('first'); // both in the kernel before the child exists
      await a.send('second');
      const p = track(new Process({ target: recvAfterGo, args: [b, goRx, reportTx] }));
      p.start();
      assert.equal(await b.recv(), 'first');
      await goTx.send('go');
      assert.equal(await report.recv(), 'second', "the parent read ahead and kept the child's message");
      await p.join();
      assert.equal(p.exitCode, 0);
      for (const end of [a, b, goTx, goRx, report, reportTx]) end.close();
    });

    it('round-trips values with a child; the parent keeps its own copy of the end it passed', async () => {
      const [a, b] = Pipe();
      const p = track(new Process({ target: echo, args: [b] }));
      p.start();
      assert.equal(b.closed, false, 'passing an end to a child does not close it here (as Python)');
      for (const value of [1, 'two', { three: [3n] }, new Map([[4, new Set([4])]])]) {
        await a.send(value);
        assert.deepEqual(await a.recv(), value);
      }
      // The parent's copy of b still works: what it sends arrives at a, through the same socket.
      await b.send('from the parent copy');
      b.close(); // now the child holds the only copy: closing a makes it see EOF
      assert.equal(await a.recv(), 'from the parent copy');
      a.close();
      await p.join();
      assert.equal(p.exitCode, 0);
    });

    it('carries structured-clone values from the child intact', async () => {
      const [a, b] = Pipe();
      const p = track(new Process({ target: describeTarget, args: [b] }));
      p.start();
      b.close();
      await a.send({ map: new Map([[1, 2]]), date: new Date(5), big: 7n, f32: new Float32Array([0.5]), undef: undefined, nan: NaN });
      const { kinds, value } = await a.recv<{ kinds: Record<string, string>; value: Record<string, unknown> }>();
      assert.deepEqual(kinds, { map: 'Map', date: 'Date', big: 'bigint', f32: 'Float32Array', undef: 'undefined', nan: 'number' });
      assert.ok(Number.isNaN(value.nan));
      assert.equal(value.big, 7n);
      a.close();
      await p.join();
      assert.equal(p.exitCode, 0);
    });

    it('finds a Connection nested in an argument', async () => {
      const [a, b] = Pipe();
      const p = track(new Process({ target: nested, args: [{ inner: [{ conn: b }] }] }));
      p.start();
      b.close();
      await a.send('deep');
      assert.equal(await a.recv(), 'deep');
      a.close();
      await p.join();
      assert.equal(p.exitCode, 0);
    });

    it('echoes large byte messages (8 MiB) through a child', async () => {
      const [a, b] = Pipe();
      const p = track(new Process({ target: echoBytes, args: [b] }));
      p.start();
      b.close();
      const big = Buffer.alloc(8 << 20);
      for (let i = 0; i < big.length; i += 1000) big[i] = (i / 1000) & 0xff;
      const sent = a.sendBytes(big);
      const back = await a.recvBytes();
      await sent;
      assert.ok(back.equals(big));
      a.close();
      await p.join();
      assert.equal(p.exitCode, 0);
    });

    it('one-way pipes: a child writes, the parent reads until EOF; and the other way round', async () => {
      const [reader, writer] = Pipe(false);
      const p = track(new Process({ target: sendAll, args: [writer, [1, 2, 3]] }));
      p.start();
      writer.close(); // otherwise this process's copy keeps the pipe open: no EOF
      const seen: unknown[] = [];
      for await (const value of reader) seen.push(value);
      assert.deepEqual(seen, [1, 2, 3]);
      reader.close();
      await p.join();

      const [input, feed] = Pipe(false);
      const [report, reportBack] = Pipe();
      const q = track(new Process({ target: countUntilEof, args: [input, reportBack] }));
      q.start();
      input.close();
      reportBack.close();
      for (let i = 0; i < 10; i++) void feed.send(i);
      feed.close();
      assert.equal(await report.recv(), 10);
      report.close();
      await q.join();
      assert.equal(q.exitCode, 0);
    });

    it('a child that dies makes recv reject with ConnectionClosedError instead of hanging', async () => {
      const [a, b] = Pipe();
      const p = track(new Process({ target: announceAndWait, args: [b] }));
      p.start();
      b.close();
      assert.equal(await a.recv(), p.pid);
      const pending = a.recv();
      p.kill();
      await assert.rejects(pending, (error: unknown) => error instanceof ConnectionClosedError && error.closedBy === 'peer');
      await p.join();
      assert.equal(p.exitCode, -9);
      a.close();
    });

    it('processes take turns on one shared read end (under a Lock): each message reaches exactly one of them', async () => {
      await checkTakingTurns(
        Process,
        Array.from({ length: 200 }, (_, i) => ({ i, pad: 'x'.repeat(i % 50) })),
      );
    });

    it('a child passes a received Connection on to a grandchild (spawn)', async () => {
      const [a, b] = Pipe();
      const p = track(new Process({ target: passToGrandchild, args: [b] }));
      p.start();
      b.close();
      await a.send('to the grandchild');
      assert.equal(await a.recv(), 'to the grandchild');
      a.close();
      await p.join();
      assert.equal(p.exitCode, 0);
    });
  });
}

if (testedMethods().includes('fork')) {
  const { Process } = getContext('fork');

  describe('Connections inherited through fork', { skip }, () => {
    it('a closure target uses a Connection it did not receive as an argument', async () => {
      const [a, b] = Pipe();
      const p = track(new Process({ target: () => echo(b) }));
      p.start();
      b.close();
      await a.send('closure');
      assert.equal(await a.recv(), 'closure');
      a.close();
      await p.join();
      assert.equal(p.exitCode, 0);
    });

    it("a receive pending in the parent at fork time stays the parent's (the child does not take its message)", async () => {
      const [a, b] = Pipe();
      const pending = a.recv(); // its native watcher is copied into the child, and must be dropped there
      const p = track(new Process({ target: async (conn: Connection) => conn.send('for the parent'), args: [b] }));
      p.start();
      assert.equal(await pending, 'for the parent');
      await p.join();
      assert.equal(p.exitCode, 0);
      a.close();
      b.close();
    });
  });
}
