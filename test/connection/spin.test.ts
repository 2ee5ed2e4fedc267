// A receive that awaits a reply spins briefly before it sleeps (src/connection/reader.ts, the
// policy in spin-policy.ts). Watched through the spinMicros each read(2) is given: only after this
// end sent and once the sleeping path was measured, rarely once spins keep missing, never on a
// connection told never to spin (Pool's), never with a single CPU; what is received is the same
// either way. (The policy's arithmetic is test/connection/spin-policy.test.ts.)
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { openConnection, kNeverSpin, type Connection } from '../../src/connection/connection.ts';
import { loadNative, type NativeBinding } from '../../src/native/binding.ts';

const native = loadNative();
const skip = native === null ? 'the native addon is not built' : availableParallelism() < 2 ? 'one CPU: receives never spin' : false;

/** A Pipe whose receiving end `b` records the spinMicros of its reads. */
function recordingPipe(): { a: Connection; b: Connection; spins: number[]; [Symbol.dispose](): void } {
  const real = native as NativeBinding;
  const spins: number[] = [];
  const recording: NativeBinding = Object.create(real) as NativeBinding;
  recording.tryReadKeepingFds = (fd, target, offset, length, spinMicros) => {
    spins.push(spinMicros);
    return real.tryReadKeepingFds(fd, target, offset, length, spinMicros);
  };
  const [x, y] = real.socketpair();
  const a = openConnection(x, { readable: true, writable: true, native: real });
  const b = openConnection(y, { readable: true, writable: true, native: recording });
  return {
    a,
    b,
    spins,
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
    assert.deepEqual(pipe.spins, [], 'nothing sent yet: no read before the watcher says readable');
    await pipe.a.send(1);
    assert.equal(await first, 1);
    assert.ok(!pipe.spins.some((s) => s > 0), `no spinning read: ${pipe.spins.join(',')}`);

    assert.equal(await exchange(pipe, null), 'answer'); // the sleeping path is measured first
    assert.equal(await exchange(pipe, 5), 'answer');
    assert.ok(pipe.spins[0]! > 0, `the first read of a receive awaiting a reply spins: ${pipe.spins.join(',')}`);
    assert.ok(
      pipe.spins.slice(1).every((s) => s === 0),
      'only the first read spins',
    );
  });

  it('once spins keep missing (replies come late), receives rarely spin; the values arrive all the same', async () => {
    using pipe = recordingPipe();
    assert.equal(await exchange(pipe, null), 'answer'); // measured
    let spun = 0;
    for (let i = 0; i < 24; i++) {
      assert.equal(await exchange(pipe, 5), 'answer');
      if (pipe.spins[0]! > 0) spun++;
    }
    assert.ok(spun >= 1 && spun <= 8, `spins that miss back off to rare probes: ${spun} of 24 receives spun`);
  });

  it("a connection told never to spin (a Pool's) never does", async () => {
    using pipe = recordingPipe();
    pipe.b[kNeverSpin]();
    for (let i = 0; i < 3; i++) assert.equal(await exchange(pipe, null), 'answer');
    assert.ok(
      pipe.spins.every((s) => s === 0),
      `no spinning read: ${pipe.spins.join(',')}`,
    );
  });
});
