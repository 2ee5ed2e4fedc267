// multiproc targets for the Queue and Lock/Event rows (written against the public API, README.md).

/** Says it is `ready` (a Semaphore, optional), waits for `go`, then puts `n` numbers on `q`. */
export async function produce(q, go, n, ready) {
  ready?.release();
  await go.wait();
  for (let i = 0; i < n; i++) await q.put(i);
}

/** Says it is `ready` (optional), gets items from `q` until a null sentinel, then puts how many it got on `done`. */
export async function consume(q, done, ready) {
  ready?.release();
  let count = 0;
  while ((await q.get()) !== null) count++;
  await done.put(count);
}

/** Answers every set of `ping` by clearing it and setting `pong`, forever. */
export async function eventPong(ping, pong) {
  for (;;) {
    await ping.wait();
    ping.clear();
    pong.set();
  }
}
