// A Pipe's shared-memory lane (src/connection/lane.ts): small messages pass with no system call
// while the receiver is awake; a sleeping receiver is woken; one order across the lane and the
// socket (large messages, bytes, a full ring); the end of the stream comes after what was sent
// before it; a closed or killed peer fails sends; a corrupt ring is a FrameError, never a read
// outside it. With children under every start method.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Barrier, ConnectionClosedError, getContext, MessageTooLongError, Pipe } from '../../src/index.ts';
import { Lane, LANE_BYTES, LANE_MAX_PAYLOAD, MARK } from '../../src/connection/lane.ts';
import { pipeOver } from '../../src/connection/pipe.ts';
import type { Connection, ConnectionHandleData } from '../../src/connection/connection.ts';
import { attachMapping } from '../../src/shared-memory/mappings.ts';
import { kReduce, rebuildHandle } from '../../src/reduction.ts';
import { loadNative, type NativeBinding } from '../../src/native/binding.ts';
import { Tag } from '../../src/wire/protocol.ts';
import { announceAndWait, echo, recvAfterGo, sendAll, sendNumbered } from '../fixtures/connection/targets.ts';
import { testedMethods, track } from '../helpers.ts';
import { readCorruptLane } from './lane-fuzz.ts';
import { checkTakingTurns } from './take-turns.ts';

const native = loadNative();
const skip = native === null ? 'the native addon is not built' : false;

/** A Pipe whose ends count their read(2) and write(2) calls. */
function countingPipe() {
  const real = native as NativeBinding;
  const calls = { reads: 0, writes: 0 };
  const counting: NativeBinding = Object.create(real) as NativeBinding;
  counting.tryRead = (...args) => {
    calls.reads++;
    return real.tryRead(...args);
  };
  counting.tryWrite = (...args) => {
    calls.writes++;
    return real.tryWrite(...args);
  };
  const [a, b] = pipeOver(counting, true);
  return {
    a,
    b,
    calls,
    [Symbol.dispose]: () => {
      a.close();
      b.close();
    },
  };
}

/** A value of about `size` bytes once encoded. */
const sized = (size: number, id: number) => ({ id, text: 'x'.repeat(size) });

describe('Pipe lane (in one process)', { skip }, () => {
  it('small messages pass through shared memory: no write(2) or read(2) while the receiver is not sleeping', async () => {
    using pipe = countingPipe();
    for (let i = 0; i < 100; i++) await pipe.a.send({ i, name: 'small' });
    assert.equal(pipe.calls.writes, 0, 'a send into the lane makes no system call');
    for (let i = 0; i < 100; i++) assert.deepEqual(await pipe.b.recv(), { i, name: 'small' });
    assert.equal(pipe.calls.reads, 0, 'a receive from the lane makes no system call');
  });

  it('a sleeping receiver is woken by one wake frame, however many messages follow', async () => {
    using pipe = countingPipe();
    const first = pipe.b.recv();
    await pipe.a.send('one');
    await pipe.a.send('two');
    await pipe.a.send('three');
    assert.equal(pipe.calls.writes, 1, 'one wake-up frame for the three messages');
    assert.equal(await first, 'one');
    assert.equal(await pipe.b.recv(), 'two');
    assert.equal(await pipe.b.recv(), 'three');
  });

  it('keeps one order across the lane and the socket: large values, bytes, a full ring, and back', async () => {
    const [a, b] = Pipe();
    type Item = { kind: 'value'; value: unknown } | { kind: 'bytes'; value: Buffer };
    const items: Item[] = [
      { kind: 'value', value: sized(10, 0) },
      { kind: 'value', value: sized(LANE_MAX_PAYLOAD * 2, 1) }, // the socket
      { kind: 'value', value: sized(10, 2) }, // the lane again
      { kind: 'bytes', value: randomBytes(100) },
      { kind: 'bytes', value: randomBytes(300_000) }, // larger than the socket's buffer: written as b reads
      { kind: 'value', value: new Map([[1, 2]]) }, // v8.serialize, in the lane
    ];
    for (let i = 0; i < 3000; i++) items.push({ kind: 'value', value: i }); // far more than the ring holds
    items.push({ kind: 'value', value: 'last' });
    const sent = items.map((item) => (item.kind === 'bytes' ? a.sendBytes(item.value) : a.send(item.value)));
    for (const item of items) {
      if (item.kind === 'bytes') assert.deepEqual(await b.recvBytes(), item.value);
      else assert.deepEqual(await b.recv(), item.value);
    }
    await Promise.all(sent);
    assert.equal(b.pollSync(), false, 'nothing left over');
    a.close();
    b.close();
  });

  it('poll() does not take a wake-up frame for a message', async () => {
    using pipe = countingPipe();
    const got = pipe.b.recv(); // b sleeps: a's send writes a wake frame too
    await pipe.a.send('hello');
    assert.equal(await got, 'hello');
    assert.equal(pipe.b.pollSync(), false);
    assert.equal(await pipe.b.poll(0), false);
    assert.equal(await pipe.b.poll(20), false);
    const waiting = pipe.b.poll(10_000);
    await pipe.a.send('next');
    assert.equal(await waiting, true, 'a poll that waits is woken by a lane message');
    assert.equal(await pipe.b.recv(), 'next');
  });

  it('a receive asleep on the lane finds its message even when the wake-up frame is lost (the 50 ms sweep)', async () => {
    const real = native as NativeBinding;
    let dropped = 0;
    const dropping: NativeBinding = Object.create(real) as NativeBinding;
    dropping.tryWrite = (fd, data, offset, length) => {
      if (length === 5 && data[offset + 4] === Tag.wake) {
        dropped++;
        return length; // as if written
      }
      return real.tryWrite(fd, data, offset, length);
    };
    const [a, b] = pipeOver(dropping, true);
    const got = b.recv();
    await a.send('lost wake-up');
    assert.equal(dropped, 1);
    assert.equal(await got, 'lost wake-up');
    a.close();
    b.close();
  });

  it('delivers what was sent before close() before the end of the stream', async () => {
    const [a, b] = Pipe();
    for (let i = 0; i < 50; i++) void a.send(i);
    a.close();
    const seen: unknown[] = [];
    for await (const value of b) seen.push(value);
    assert.deepEqual(
      seen,
      Array.from({ length: 50 }, (_, i) => i),
    );
    await assert.rejects(b.recv(), (error: unknown) => error instanceof ConnectionClosedError && error.closedBy === 'peer');
    b.close();
  });

  it('fails the first send once every receiving end is closed', async () => {
    const [a, b] = Pipe();
    await a.send('read by nobody');
    b.close();
    await assert.rejects(a.send('after close'), (error: unknown) => error instanceof ConnectionClosedError && error.closedBy === 'peer');
    a.close();
  });

  it('recvBytes(maxLength) leaves a longer lane message for the next receive; recvBytesInto reads one in place', async () => {
    const [a, b] = Pipe();
    const bytes = randomBytes(64);
    await a.sendBytes(bytes);
    await assert.rejects(b.recvBytes(10), MessageTooLongError);
    assert.deepEqual(await b.recvBytes(), bytes);
    await a.sendBytes(bytes);
    const into = Buffer.alloc(100);
    assert.equal(await b.recvBytesInto(into, 4), 64);
    assert.deepEqual(into.subarray(4, 68), bytes);
    a.close();
    b.close();
  });

  it('two holders of one end taking turns: a socket header one of them read early is kept in the lane for the other', async () => {
    const [a, b1] = Pipe();
    const reduced = b1[kReduce]();
    // A second holder of b's end, as a child would have it (its own fds, the same socket and lane).
    const b2 = rebuildHandle({ ...reduced, fds: reduced.fds.map((fd) => (native as NativeBinding).dup(fd)) }) as Connection;
    const first = b1.recv(); // b1 sleeps on the socket: a's next send writes a wake frame
    void a.send('A'); // lane (and a wake frame)
    void a.send('B'); // lane
    const large = sized(LANE_MAX_PAYLOAD * 3, 7);
    void a.send(large); // MARK in the lane, then a socket frame
    // b1 wakes: it takes A; reading past the wake-up it also read the large frame's header.
    assert.equal(await first, 'A');
    assert.equal(await b2.recv(), 'B');
    assert.deepEqual(await b2.recv(), large, 'the other holder goes on with the frame whose header b1 read');
    for (const end of [a, b1, b2]) end.close();
  });

  it("a producers' lock left held (its holder died) sends by the socket without touching the lane, in order", async () => {
    using pipe = countingPipe();
    await pipe.a.send('by the lane');
    const handle = pipe.a[kReduce]() as { data: ConnectionHandleData; fds: number[] };
    const lanes = handle.data.lanes!;
    const lane = new Lane(attachMapping(lanes.mapping, lanes.size, (native as NativeBinding).dup(handle.fds[1]!)), lanes.outbound);
    assert.equal(lane.lockProducer(), true);
    assert.equal(lane.lockProducer(), false, 'held: the second taker gives up');
    const writes = pipe.calls.writes;
    for (let i = 0; i < 5; i++) await pipe.a.send({ i });
    assert.ok(pipe.calls.writes >= writes + 5, 'each send went by the socket');
    assert.equal(await pipe.b.recv(), 'by the lane');
    for (let i = 0; i < 5; i++) assert.deepEqual(await pipe.b.recv(), { i });
    lane.unlockProducer();
  });

  it('Pipe(false) has a lane too', async () => {
    const [reader, writer] = Pipe(false);
    for (let i = 0; i < 10; i++) await writer.send({ i });
    writer.close();
    const seen: unknown[] = [];
    for await (const value of reader) seen.push(value);
    assert.deepEqual(
      seen,
      Array.from({ length: 10 }, (_, i) => ({ i })),
    );
    reader.close();
  });
});

describe('Lane records (the ring itself)', () => {
  it('records come out as they went in, wrapping around the ring, with a MARK where the producer left', () => {
    const lane = new Lane(new SharedArrayBuffer(LANE_BYTES), 0);
    let expected = 0;
    for (let round = 0; round < 200; round++) {
      const payload = Buffer.from(`message ${round} `.repeat(1 + (round % 40)));
      const at = lane.reserve(payload.length);
      assert.ok(at >= 0, 'an emptied ring always has room');
      lane.bytes.set(payload, at);
      lane.publish(Tag.bytes, payload.length);
      assert.equal(lane.peek(), Tag.bytes);
      assert.deepEqual(lane.bytes.subarray(lane.at, lane.at + lane.length), payload);
      lane.advance();
      expected++;
    }
    assert.equal(expected, 200);
    lane.pushMark();
    assert.equal(lane.peek(), MARK);
    lane.advance();
    assert.equal(lane.peek(), -1);
  });

  it('keeps room for a MARK when the ring is full', () => {
    const lane = new Lane(new SharedArrayBuffer(LANE_BYTES), 0);
    let count = 0;
    while (lane.reserve(100) >= 0) {
      lane.publish(Tag.bytes, 100);
      count++;
    }
    assert.ok(count > 100, `${count} records fit`);
    lane.pushMark();
    for (let i = 0; i < count; i++) {
      assert.equal(lane.peek(), Tag.bytes);
      lane.advance();
    }
    assert.equal(lane.peek(), MARK);
  });

  it('a corrupt ring gives FrameError or nothing, never a record outside the ring (random control words and records)', () => {
    for (let trial = 0; trial < 2000; trial++) {
      const memory = new SharedArrayBuffer(LANE_BYTES);
      new Uint8Array(memory).set(randomBytes(LANE_BYTES));
      readCorruptLane(new Lane(memory, 0));
    }
  });
});

for (const method of testedMethods()) {
  const { Process } = getContext(method);

  describe(`Pipe lane with a child (${method})`, { skip }, () => {
    it('echoes a pipelined mix of small and large values, in order', async () => {
      const [a, b] = Pipe();
      const p = track(new Process({ target: echo, args: [b] }));
      p.start();
      b.close();
      const values = Array.from({ length: 2000 }, (_, i) =>
        i % 97 === 0 ? sized(5000, i) : i % 5 === 0 ? new Set([i]) : sized(i % 50, i),
      );
      const sent = values.map((value) => a.send(value));
      for (const value of values) assert.deepEqual(await a.recv(), value);
      await Promise.all(sent);
      a.close();
      await p.join();
      assert.equal(p.exitCode, 0);
    });

    // Many children: the race (the end read while the last records are still being published)
    // shows in some of them. Spawned children take a second each under tsx: fewer of them.
    const rounds = method === 'spawn' ? 4 : 30;
    it(`everything a child sends just before it closes arrives before the end (${rounds} children in a row)`, async () => {
      for (let round = 0; round < rounds; round++) {
        const [a, b] = Pipe();
        const values = Array.from({ length: 40 }, (_, i) => ({ round, i }));
        const p = track(new Process({ target: sendAll, args: [b, values] }));
        p.start();
        b.close();
        const seen: unknown[] = [];
        for await (const value of a) seen.push(value);
        assert.deepEqual(seen, values, `round ${round}`);
        a.close();
        await p.join();
      }
    });

    it('a child receives while this process polls its own copy of the same end: the message reaches the child', async () => {
      const [a, b] = Pipe();
      const [report, reportTx] = Pipe();
      const [go, goRx] = Pipe();
      const p = track(new Process({ target: recvAfterGo, args: [b, goRx, reportTx] }));
      p.start();
      const polling = b.poll(30_000); // the parent's copy of b waits too
      await go.send('go');
      // The child's receive may sleep before or after the message comes; either way it gets it.
      await a.send('for the child');
      assert.equal(await report.recv(), 'for the child');
      await p.join();
      assert.equal(p.exitCode, 0);
      a.close(); // b's poll ends: the other end is closed
      assert.equal(await polling, true);
      for (const end of [b, report, reportTx, go, goRx]) end.close();
    });

    it("children sending on copies of one end without a lock: every message arrives, each child's in its order", async () => {
      const [input, output] = Pipe();
      const count = 300;
      const start = new Barrier(3); // the children send at the same time
      const children = [0, 1, 2].map((from) => track(new Process({ target: sendNumbered, args: [output, from, count, start] })));
      for (const p of children) p.start();
      const sent = [0, 1, 2].map(() => 0);
      await output.send({ from: 3, i: 0 }); // this process sends on its copy too
      output.close();
      for await (const value of input) {
        const { from, i } = value as { from: number; i: number };
        if (from === 3) continue;
        assert.equal(i, sent[from], `child ${from}'s messages in order`);
        sent[from]!++;
      }
      assert.deepEqual(sent, [count, count, count]);
      for (const p of children) await p.join();
      input.close();
    });

    it('children taking turns on one read end (under a Lock) while the sender keeps switching between lane and socket: each message reaches exactly one', async () => {
      await checkTakingTurns(
        Process,
        Array.from({ length: 600 }, (_, i) => sized(i % 3 === 0 ? LANE_MAX_PAYLOAD + 100 : 20, i)),
      );
    });

    it('a killed child: sends fail and receives end, nothing hangs', async () => {
      const [a, b] = Pipe();
      const p = track(new Process({ target: announceAndWait, args: [b] }));
      p.start();
      b.close();
      assert.equal(await a.recv(), p.pid);
      p.kill();
      await p.join();
      // The lane trusts the peer for 1 ms between the kernel's answers, and a full lane moves to
      // the socket: a send fails well before 5000 (each needs room in a 16 KiB ring).
      let failed: unknown = null;
      for (let i = 0; i < 5000 && failed === null; i++) {
        try {
          await a.send({ i });
        } catch (error) {
          failed = error;
        }
      }
      assert.ok(failed instanceof ConnectionClosedError, `a send failed: ${String(failed)}`);
      await assert.rejects(a.recv(), ConnectionClosedError);
      a.close();
    });
  });
}
