// A receive that awaits a reply spins briefly before it sleeps (src/connection/reader.ts, the
// policy in spin-policy.ts). Watched through the addon's spinReadable calls: only after this end
// sent and once the sleeping path was measured, rarely once spins keep missing, never on a
// connection told never to spin (Pool's), never with a single CPU; a spin also watches the
// process's other connections with a receive waiting; what is received is the same either way.
// (The policy's arithmetic is test/connection/spin-policy.test.ts.)
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { openConnection, kNeverSpin, type Connection } from '../../src/connection/connection.ts';
import { loadNative, type NativeBinding } from '../../src/native/binding.ts';

const native = loadNative();
const skip = native === null ? 'the native addon is not built' : availableParallelism() < 2 ? 'one CPU: receives never spin' : false;

/** A socket pair whose receiving end `b` records its spins (the µs and fds of each spinReadable) and counts its reads. */
function recordingPipe(): {
  a: Connection;
  b: Connection;
  spins: number[];
  spunOn: number[][];
  reads: { count: number };
  [Symbol.dispose](): void;
} {
  const real = native as NativeBinding;
  const spins: number[] = [];
  const spunOn: number[][] = [];
  const reads = { count: 0 };
  const recording: NativeBinding = Object.create(real) as NativeBinding;
  recording.spinReadable = (fds, spinMicros) => {
    spins.push(spinMicros);
    spunOn.push([...fds]);
    return real.spinReadable(fds, spinMicros);
  };
  recording.tryReadKeepingFds = (fd, target, offset, length, spinMicros) => {
    reads.count++;
    return real.tryReadKeepingFds(fd, target, offset, length, spinMicros);
  };
  const [x, y] = real.socketpair();
  const a = openConnection(x, { readable: true, writable: true, native: real });
  const b = openConnection(y, { readable: true, writable: true, native: recording });
  return {
    a,
    b,
    spins,
    spunOn,
    reads,
    [Symbol.dispose]: () => {
      a.close();
      b.close();
    },
  };
}

/** b sends, then receives a reply that `a` sends `afterMs` later (a long wait: far over the spin). */
async function exchange(pipe: ReturnType<typeof recordingPipe>, afterMs: number | null): Promise<unknown> {
  await pipe.b.send('question');
  assert.equal(await pipe.a.recv(), 'question');
  pipe.spins.length = 0;
  const reply = pipe.b.recv();
  if (afterMs === null) await pipe.a.send('answer');
  else setTimeout(() => void pipe.a.send('answer'), afterMs);
  return reply;
}

describe('Connection: spinning before a receive sleeps', { skip }, () => {
  it('a receive that awaits a reply spins first; one that does not (nothing sent) does not read before the wake-up', async () => {
    using pipe = recordingPipe();
    const first = pipe.b.recv();
    assert.deepEqual(pipe.spins, [], 'nothing sent yet: no spin');
    assert.equal(pipe.reads.count, 0, 'no read before the watcher says readable');
    await pipe.a.send(1);
    assert.equal(await first, 1);
    assert.deepEqual(pipe.spins, [], 'still no spin');

    assert.equal(await exchange(pipe, null), 'answer'); // the sleeping path is measured first
    assert.equal(await exchange(pipe, 5), 'answer');
    assert.equal(pipe.spins.length, 1, `a receive awaiting a reply spins once before it sleeps: ${pipe.spins.join(',')}`);
    assert.ok(pipe.spins[0]! > 0);
  });

  it('once spins keep missing (replies come late), receives rarely spin; the values arrive all the same', async () => {
    using pipe = recordingPipe();
    assert.equal(await exchange(pipe, null), 'answer'); // measured
    let spun = 0;
    for (let i = 0; i < 24; i++) {
      assert.equal(await exchange(pipe, 5), 'answer');
      if (pipe.spins.length > 0) spun++;
    }
    assert.ok(spun >= 1 && spun <= 8, `spins that miss back off to rare probes: ${spun} of 24 receives spun`);
  });

  it("a connection told never to spin (a Pool's) never does", async () => {
    using pipe = recordingPipe();
    pipe.b[kNeverSpin]();
    for (let i = 0; i < 3; i++) assert.equal(await exchange(pipe, null), 'answer');
    assert.deepEqual(pipe.spins, []);
  });

  it("a spin watches the process's other connections with a receive waiting, and ends when one of them is readable", async () => {
    using pipe = recordingPipe();
    const [x, y] = (native as NativeBinding).socketpair();
    const other = openConnection(x, { readable: true, writable: true, native: native as NativeBinding });
    const otherPeer = openConnection(y, { readable: true, writable: true, native: native as NativeBinding });
    try {
      assert.equal(await exchange(pipe, null), 'answer'); // measured
      const waiting = other.recv();
      let watched = false;
      for (let i = 0; i < 8 && !watched; i++) {
        assert.equal(await exchange(pipe, 5), 'answer');
        watched = pipe.spunOn.some((fds) => fds[0] === pipe.b.fileno() && fds.includes(other.fileno()));
      }
      assert.ok(watched, `the spins watched the other waiting connection: ${JSON.stringify(pipe.spunOn)}`);
      await otherPeer.send('ready');
      assert.equal(await waiting, 'ready');
      pipe.spunOn.length = 0;
      for (let i = 0; i < 4; i++) assert.equal(await exchange(pipe, 5), 'answer');
      assert.ok(
        pipe.spunOn.every((fds) => fds.length === 1),
        `once it received, it is no longer watched: ${JSON.stringify(pipe.spunOn)}`,
      );
      // The addon's side: a spin returns the index of whichever fd is readable first.
      await otherPeer.send('x');
      assert.equal((native as NativeBinding).spinReadable([pipe.b.fileno(), other.fileno()], 5_000_000), 1);
      assert.equal(await other.recv(), 'x');
      assert.equal((native as NativeBinding).spinReadable([pipe.b.fileno(), other.fileno()], 0), -1, 'nothing readable: -1');
    } finally {
      other.close();
      otherPeer.close();
    }
  });
});
