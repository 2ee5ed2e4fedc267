// When a receive that would wait spins first, and for how long. A pure state machine: it is told
// what happens (this end sent, a receive is about to wait, the wait ended) with the time of each
// (performance.now(), ms), and answers how many µs to spin; the reader (reader.ts) does the
// spinning. Testable without sockets (test/connection/spin-policy.test.ts).
//
// A receive that awaits a reply (this end sent since its last receive) and would wait first
// keeps reading for up to SPIN_MICROS, when this connection's replies came that fast of late (a
// moving average of their waits) and this process may run beside its peer (more than one CPU):
// a peer that answers within microseconds is then met without the sleep and wake-up of the event
// loop (tens of µs on these VMs), as glibc's adaptive mutexes spin before they sleep. One long
// wait turns spinning off until replies are fast again, so a connection whose replies take long
// spends no CPU on it. Pool connections never spin (neverSpin): a Pool's parent serves many
// workers from one loop, and its workers share the CPUs with it.

/** How long a receive that would wait may keep reading before it sleeps (µs). */
export const SPIN_MICROS = 50;
/**
 * A longer wait counts as this long in the moving average (µs): one pause of the peer (a GC, a
 * preemption) does not stop spinning by itself; replies that keep coming late do (six of them).
 */
const LONG_WAIT_MICROS = 2 * SPIN_MICROS;

/** One connection's spin policy (see the top). */
export class SpinPolicy {
  readonly #parallel: boolean; // more than one CPU for this process (spinning can pay)
  #allowed = true; // false: never spin (neverSpin)
  #replyDue = false; // this end sent since its last receive: a receive now awaits a reply
  #replyWait = 0; // moving average of how long replies were waited for (µs)
  #waitSince = -1; // when the receive awaiting a reply began to wait (ms)

  /** `cpus`: the CPUs this process may run on (os.availableParallelism(), which follows the affinity). */
  constructor(cpus: number) {
    this.#parallel = cpus > 1;
  }

  /** This end just sent: the next receive awaits a reply. */
  noteSent(): void {
    this.#replyDue = true;
  }

  /** Never spin from now on. */
  neverSpin(): void {
    this.#allowed = false;
  }

  /** True while a wait is being timed (waitEnded wants the time). */
  get timing(): boolean {
    return this.#waitSince >= 0;
  }

  /**
   * The only receive would wait, at `now` (ms): µs to spin for its frame before sleeping (0:
   * sleep at once). A receive awaiting a reply starts timing its wait here.
   */
  beforeWait(now: number): number {
    if (!this.#replyDue || !this.#allowed) return 0;
    this.#waitSince = now;
    return this.#replyWait < SPIN_MICROS && this.#parallel ? SPIN_MICROS : 0;
  }

  /** The timed wait ended at `now` (ms): a frame came, or the receive gave up. Into the moving average (1/8). */
  waitEnded(now: number): void {
    if (this.#waitSince < 0) return;
    const waited = Math.min((now - this.#waitSince) * 1000, LONG_WAIT_MICROS);
    this.#replyWait += (waited - this.#replyWait) / 8;
    this.#waitSince = -1;
  }

  /** A frame was delivered at `now` (ms): the wait ends, and no reply is due until this end sends again. */
  delivered(now: number): void {
    this.waitEnded(now);
    this.#replyDue = false;
  }

  /** In a forked child: a wait the parent was timing is not this process's. */
  forgetAfterFork(): void {
    this.#waitSince = -1;
  }
}
