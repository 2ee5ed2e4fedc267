// When a receive that would wait spins first, and for how long. A pure state machine: it is told
// what happens (this end sent, a receive is about to wait, the spin ended, the wait ended) with
// the time of each (performance.now(), ms), and answers how many µs to spin; the reader
// (reader.ts) does the spinning. Testable without sockets (test/connection/spin-policy.test.ts).
//
// A receive that awaits a reply (this end sent since its last receive) may keep reading before
// it sleeps, as glibc's adaptive mutexes spin before they sleep: a peer that answers within
// microseconds is then met without the sleep and wake-up of the event loop. What that costs and
// what it saves differ by machine, even between VMs of the same kind (the cost of a cross-CPU
// wake-up does: docs/DECISIONS.md, Pipe and Connection), so nothing here is a tuned constant;
// the policy learns, per connection:
// - the sleeping path's cost: how long replies take when this end sleeps (a moving average of
//   those waits). That is the spin window: spinning longer than sleeping would take never pays;
// - the spin path's own results: how often a reply came within the window when it spun, and how
//   long those replies took. It spins while at least half of its spins hit and they take at most
//   half what sleeping costs (with more processes than CPUs a spinner takes the CPU its peer
//   needs, and its hits come late). Otherwise it probes now and then (every 2nd wait after one
//   that paid, backing off to every 256th while probes do not), so a peer that becomes fast, or a
//   machine where only spinning makes replies fast (nobody sleeps, nobody is woken), is found.
// Learning from the sleeping path alone would be wrong: replies come slowly *because* nobody
// spins, and the policy would never leave it. Never with one CPU (os.availableParallelism(),
// which follows the affinity): the peer cannot run while this process spins. Pool connections
// never spin (neverSpin): a Pool's parent serves many workers from one loop.

/** The longest spin (µs), whatever the sleeping path costs: a bound on the event-loop delay one receive may add. */
export const MAX_SPIN_MICROS = 1000;
/** Probes back off to one in this many waits while they miss. */
const MAX_PROBE_EVERY = 256;

/** One connection's spin policy (see the top). */
export class SpinPolicy {
  readonly #parallel: boolean; // more than one CPU for this process (spinning can pay)
  #allowed = true; // false: never spin (neverSpin)
  #replyDue = false; // this end sent since its last receive: a receive now awaits a reply
  #sleepWait = 0; // moving average of the waits that slept (µs); 0: not measured yet
  #hitRate = 0.5; // moving average of spins that met their reply (1) or not (0)
  #spinWait = 0; // moving average of how long a spin that met its reply waited (µs)
  #probeEvery = 2; // while not spinning by the hit rate: spin on one wait in this many
  #sinceProbe = 0;
  #waitSince = -1; // when the receive awaiting a reply began to wait (ms)
  #spinning = false; // between beforeWait() saying spin and spinEnded()
  #spunFor = 0; // µs the last spin lasted at most (not part of the sleeping path's cost)
  #hit = false; // a frame was delivered while spinning
  #hitWait = 0; // how long that took (µs)

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

  /** The spin window now (µs): what the sleeping path costs, at most MAX_SPIN_MICROS; 0 until measured. */
  get window(): number {
    return Math.min(Math.round(this.#sleepWait), MAX_SPIN_MICROS);
  }

  /**
   * The only receive would wait, at `now` (ms): µs to spin for its frame before sleeping (0:
   * sleep at once). A receive awaiting a reply starts timing its wait here; after a spin, call
   * spinEnded().
   */
  beforeWait(now: number): number {
    if (!this.#replyDue || !this.#allowed || !this.#parallel) return 0;
    this.#waitSince = now;
    const window = this.window;
    if (window === 0) return 0; // the sleeping path is measured first
    if (!this.#pays() && ++this.#sinceProbe < this.#probeEvery) return 0;
    this.#sinceProbe = 0;
    this.#spinning = true;
    this.#spunFor = window;
    this.#hit = false;
    return window;
  }

  // Spinning pays while most spins meet their reply and meet it in at most half what sleeping
  // costs: a spin that takes CPU a peer needs (more processes than CPUs) makes its own hits late.
  #pays(): boolean {
    return this.#hitRate >= 0.5 && this.#spinWait * 2 <= this.#sleepWait;
  }

  /** The spin beforeWait() asked for is over (a frame came during it, or the receive now sleeps). */
  spinEnded(): void {
    if (!this.#spinning) return;
    this.#spinning = false;
    const hit = this.#hit ? 1 : 0;
    this.#hitRate += (hit - this.#hitRate) / 4;
    // A spin that paid (its reply came in at most half what sleeping costs): look again soon.
    if (this.#pays() || (hit === 1 && this.#hitWait * 2 <= this.#sleepWait)) this.#probeEvery = 2;
    else this.#probeEvery = Math.min(this.#probeEvery * 2, MAX_PROBE_EVERY);
  }

  /** The timed wait ended at `now` (ms): a frame came, or the receive gave up. A wait that slept is the sleeping path's cost. */
  waitEnded(now: number): void {
    if (this.#waitSince < 0) return;
    const waited = (now - this.#waitSince) * 1000;
    this.#waitSince = -1;
    if (this.#spinning) {
      this.#hit = true; // delivered during the spin (spinEnded follows)
      this.#hitWait = waited;
      this.#spinWait = this.#spinWait === 0 ? waited : this.#spinWait + (waited - this.#spinWait) / 4;
      return;
    }
    // The sleep after a spin that missed: its cost without the spin. One very long wait (a peer
    // busy for seconds) counts as a few windows' worth, so a peer that turns fast is learned soon.
    const slept = Math.min(Math.max(waited - this.#spunFor, 1), 4 * MAX_SPIN_MICROS);
    this.#spunFor = 0;
    this.#sleepWait = this.#sleepWait === 0 ? slept : this.#sleepWait + (slept - this.#sleepWait) / 8;
  }

  /** A frame was delivered at `now` (ms): the wait ends, and no reply is due until this end sends again. */
  delivered(now: number): void {
    this.waitEnded(now);
    this.#replyDue = false;
  }

  /** In a forked child: a wait the parent was timing is not this process's. */
  forgetAfterFork(): void {
    this.#waitSince = -1;
    this.#spinning = false;
  }
}
