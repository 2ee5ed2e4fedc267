// The exit latch every launcher uses: settled once, waited for with or without a timeout, and
// holding the event loop (a real timer handle here) exactly while someone waits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExitLatch } from '../../src/launcher/exit-latch.ts';

// An unref'd handle, as a daemon child's: the latch refs it while someone waits.
function unrefHandle(): NodeJS.Timeout {
  const handle = setInterval(() => undefined, 1 << 30);
  handle.unref();
  return handle;
}

describe('ExitLatch', () => {
  it('resolves every waiter with the code settled, and holds the loop only while they wait', async () => {
    const handle = unrefHandle();
    try {
      const latch = new ExitLatch(process.pid, handle);
      assert.equal(latch.code, null);
      const first = latch.wait();
      const second = latch.wait(60_000);
      assert.equal(handle.hasRef(), true);
      latch.settle(7);
      assert.deepEqual(await Promise.all([first, second]), [7, 7]);
      assert.equal(handle.hasRef(), false);
      assert.equal(latch.code, 7);
    } finally {
      clearInterval(handle);
    }
  });

  it('gives null when the timeout passes first, releases the loop, and still resolves later waits', async () => {
    const handle = unrefHandle();
    try {
      const latch = new ExitLatch(process.pid, handle);
      assert.equal(await latch.wait(1), null);
      assert.equal(handle.hasRef(), false);
      const later = latch.wait();
      latch.settle(-15);
      assert.equal(await later, -15);
    } finally {
      clearInterval(handle);
    }
  });

  it('keeps the first code: a later settle (the fork server gone after a notice) changes nothing', async () => {
    const latch = new ExitLatch(process.pid, null);
    latch.settle(0);
    latch.settle(-9);
    assert.equal(latch.code, 0);
    assert.equal(await latch.wait(), 0);
    assert.equal(await latch.wait(1), 0);
  });
});
