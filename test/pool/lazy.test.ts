// imap reads its input lazily (issue 17, "Pool input"): an infinite generator yields results
// with a bounded number of items pulled and is closed when the consumer breaks out; a slow
// async generator's first result comes before the input ends; a long synchronous read lets the
// event loop turn; `buffersize` is validated. The reading is parent-side: one start method.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pool } from '../../src/index.ts';
import { square } from '../fixtures/pool/tasks.ts';

describe('Pool input read lazily (imap, imapUnordered)', () => {
  for (const what of ['imap', 'imapUnordered'] as const) {
    it(`${what}: an infinite generator gives its first results, pulls a bounded number, and is closed on break`, async () => {
      await using pool = new Pool({ processes: 2, context: 'spawn' });
      let pulled = 0;
      let closed!: () => void;
      const finallyRan = new Promise<void>((resolve) => (closed = resolve));
      function* naturals(): Generator<number> {
        try {
          for (let i = 0; ; i++) {
            pulled++;
            yield i;
          }
        } finally {
          closed();
        }
      }
      const buffersize = 3;
      const chunksize = 2;
      const taken: number[] = [];
      for await (const value of pool[what](square, naturals(), { buffersize, chunksize })) {
        taken.push(value);
        if (taken.length === 10) break;
      }
      await finallyRan;
      if (what === 'imap')
        assert.deepEqual(
          taken,
          Array.from({ length: 10 }, (_, i) => i * i),
        );
      else assert.equal(new Set(taken).size, 10);
      // Consumed 5 chunks; at most `buffersize` more made, plus the one being filled.
      assert.ok(pulled <= (5 + buffersize + 1) * chunksize, `pulled ${pulled}`);
    });
  }

  it('imap with the default buffersize (4 × processes) pulls a bounded number of an infinite generator', async () => {
    await using pool = new Pool({ processes: 2, context: 'spawn' });
    let pulled = 0;
    function* naturals(): Generator<number> {
      for (let i = 0; ; i++) {
        pulled++;
        yield i;
      }
    }
    let n = 0;
    for await (const value of pool.imap(square, naturals())) {
      assert.equal(value, n * n);
      if (++n === 20) break;
    }
    assert.ok(pulled <= 20 + 4 * 2 + 1, `pulled ${pulled}`);
  });

  it('a slow async generator yields the first result before the input is exhausted', async () => {
    await using pool = new Pool({ processes: 2, context: 'spawn' });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let finished = false;
    async function* slow(): AsyncGenerator<number> {
      yield 3;
      await gate; // the rest only comes once the first result has been seen
      yield 4;
      finished = true;
    }
    const results: number[] = [];
    for await (const value of pool.imap(square, slow())) {
      if (results.length === 0) {
        assert.equal(finished, false);
        release();
      }
      results.push(value);
    }
    assert.deepEqual(results, [9, 16]);
    assert.equal(finished, true);
  });

  it('a timer keeps firing while a long synchronous generator is read', async () => {
    await using pool = new Pool({ processes: 2, context: 'spawn' });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      // Each item takes a few ms to make; the generator notes the ticks it sees. A read in one
      // synchronous loop would see the same count from the first item to the last.
      const seenByInput: number[] = [];
      function* busy(): Generator<number> {
        for (let i = 0; i < 40; i++) {
          const until = Date.now() + 3;
          while (Date.now() < until);
          seenByInput.push(ticks);
          yield i;
        }
      }
      let n = 0;
      // A large buffersize: the turns come from the read itself, not from backpressure.
      for await (const value of pool.imap(square, busy(), { buffersize: 1000 })) assert.equal(value, n * n++);
      assert.equal(n, 40);
      assert.ok((seenByInput.at(-1) as number) > (seenByInput[0] as number), `ticks seen ${seenByInput.join(',')}`);
    } finally {
      clearInterval(timer);
    }
  });

  it('validates buffersize in the house format and refuses it for map', async () => {
    await using pool = new Pool({ processes: 1, context: 'spawn' });
    for (const bad of [0, -1, 1.5]) {
      await assert.rejects(pool.imap(square, [1], { buffersize: bad }).next(), {
        name: 'RangeError',
        message: `Expected \`buffersize\` to be a positive integer, got \`${bad}\` (number).`,
      });
    }
    await assert.rejects(pool.imap(square, [1], { buffersize: 'x' as unknown as number }).next(), {
      name: 'TypeError',
      message: /`buffersize`/,
    });
    await assert.rejects(pool.map(square, [1], { buffersize: 2 }), { name: 'TypeError', message: /`buffersize`.*imap\(\)/ });
  });
});
