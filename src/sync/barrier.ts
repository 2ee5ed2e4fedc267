// Barrier shared between processes (Python's multiprocessing.Barrier, a port of
// threading.Barrier's state machine): its own words i32[0] = state (0 filling, 1 draining,
// -1 resetting, -2 broken), i32[1] = count, i32[2] = parties, over a Condition with a Lock.
// The action runs in the process whose wait() completes the party; a spawned or forkserver
// child imports it by reference (an exported function, like a target).
import { kReduce, rebuildPending, registerRebuilder, type HandleDescriptor, type ReceivedHandle } from '../reduction.ts';
import { normalizeFunction, normalizePositiveInteger, normalizeTimeout } from '../options.ts';
import { importTarget, referenceTarget, type TargetRef } from '../loading/target.ts';
import { Condition } from './condition.ts';
import { BrokenBarrierError } from './errors.ts';
import { checkSignal, deadlineOf, remaining, type WaitOptions } from './futex.ts';
import { Lock } from './lock.ts';
import { portableBarrier, portableMode } from '../portable/index.ts';
import { createSegment, keepSegment, openSegment, type Segment } from './segment.ts';

const STATE = 0;
const COUNT = 1;
const PARTIES = 2;
const FILLING = 0;
const DRAINING = 1;
const RESETTING = -1;
const BROKEN = -2;

type Action = () => unknown;

/** Options of a Barrier. */
export interface BarrierOptions {
  /** Called by one party (the last to arrive) before the others are released; an error breaks the barrier. */
  action?: Action | undefined;
  /** Default timeout of wait() in milliseconds. */
  timeoutMs?: number | undefined;
}

interface BarrierData {
  timeoutMs: number | undefined;
  action: TargetRef | null;
}

/** A barrier for a fixed number of parties in any processes (Python semantics, BrokenBarrierError). */
export class Barrier {
  readonly #segment!: Segment; // ! : a portable instance (no addon) is returned instead of this one
  readonly #i32!: Int32Array; // ! : a portable instance (no addon) is returned instead of this one
  readonly #cond!: Condition; // ! : a portable instance (no addon) is returned instead of this one
  readonly #timeoutMs: number | undefined;
  #action: Action | undefined;
  #actionRef: TargetRef | null = null;
  #actionLoading: Promise<void> | null = null;

  constructor(parties: number, options: BarrierOptions = {}, shared?: { segment: Segment; cond: Condition; actionRef: TargetRef | null }) {
    this.#timeoutMs = normalizeTimeout('timeoutMs', options.timeoutMs);
    this.#action = normalizeFunction<Action>('action', options.action);
    if (shared === undefined) {
      normalizePositiveInteger('parties', parties);
      // without the addon: src/portable/
      if (portableMode()) return portableBarrier(new.target, parties, this.#timeoutMs, this.#action);
      this.#segment = keepSegment(this, createSegment(64, 'Barrier'));
      Atomics.store(this.#segment.i32, PARTIES, parties);
      this.#cond = new Condition(new Lock());
    } else {
      this.#segment = keepSegment(this, shared.segment);
      this.#cond = shared.cond;
      this.#actionRef = shared.actionRef;
      if (shared.actionRef !== null) {
        const ref = shared.actionRef;
        this.#actionLoading = importTarget(ref).then((fn) => {
          this.#action = fn;
        });
        this.#actionLoading.catch(() => undefined);
        // A Process child runs its target once this settled: waitSync() there finds the action.
        rebuildPending(this.#actionLoading);
      }
    }
    this.#i32 = this.#segment.i32;
  }

  /** How many parties must call wait(). */
  get parties(): number {
    return Atomics.load(this.#i32, PARTIES);
  }

  /** How many parties are waiting now. */
  get nWaiting(): number {
    return Atomics.load(this.#i32, STATE) === FILLING ? Atomics.load(this.#i32, COUNT) : 0;
  }

  /** Whether the barrier is broken (abort(), a timeout, or a failed action); reset() repairs it. */
  get broken(): boolean {
    return Atomics.load(this.#i32, STATE) === BROKEN;
  }

  #get(i: number): number {
    return Atomics.load(this.#i32, i);
  }

  #set(i: number, v: number): void {
    Atomics.store(this.#i32, i, v);
  }

  #break(): void {
    this.#set(STATE, BROKEN);
    this.#cond.notifyAll();
  }

  #exit(): void {
    if (this.#get(COUNT) === 0 && (this.#get(STATE) === RESETTING || this.#get(STATE) === DRAINING)) {
      this.#set(STATE, FILLING);
      this.#cond.notifyAll();
    }
  }

  /**
   * Wait until all parties have called wait(); resolves with this party's arrival index
   * (0 … parties-1). Rejects with BrokenBarrierError if the barrier breaks or is reset while
   * waiting, or `timeoutMs` (default: the barrier's) passes (which breaks it). Never blocks the loop.
   * When `signal` aborts while this party waits, the barrier breaks too (the others would wait for
   * a party that left) and this call rejects with the signal's reason.
   */
  async wait(options: WaitOptions = {}): Promise<number> {
    const deadline = deadlineOf({ timeoutMs: options.timeoutMs ?? this.#timeoutMs });
    const signal = options.signal;
    checkSignal(signal);
    if (this.#actionLoading !== null) await this.#actionLoading;
    const cond = this.#cond;
    await cond.acquire({ signal });
    try {
      while (this.#get(STATE) === RESETTING || this.#get(STATE) === DRAINING) await cond.wait();
      if (this.#get(STATE) < 0) throw new BrokenBarrierError('The Barrier is broken.');
      const index = this.#get(COUNT);
      this.#set(COUNT, index + 1);
      try {
        if (index + 1 === this.parties) {
          try {
            await this.#action?.();
            // abort() or reset() from this process while the action ran (it could not wait for the lock)
            if (this.#get(STATE) !== FILLING) throw new BrokenBarrierError('The Barrier was broken or reset while its action ran.');
            this.#set(STATE, DRAINING);
            cond.notifyAll();
          } catch (error) {
            if (this.#get(STATE) !== RESETTING) this.#break();
            throw error;
          }
        } else {
          const left = remaining(deadline);
          let released: boolean;
          try {
            released = await cond.waitFor(() => this.#get(STATE) !== FILLING, { timeoutMs: left === -1 ? undefined : left, signal });
          } catch (error) {
            // Aborted, with the lock held again: the barrier may have filled meanwhile (then this party passed).
            if (signal?.aborted !== true) throw error;
            if (this.#get(STATE) === FILLING) {
              this.#break();
              throw error;
            }
            released = true;
          }
          if (!released) {
            this.#break();
            throw new BrokenBarrierError('The Barrier timed out waiting for its parties, and is now broken.');
          }
          if (this.#get(STATE) < 0) throw new BrokenBarrierError('The Barrier was broken or reset while waiting.');
        }
        return index;
      } finally {
        this.#set(COUNT, this.#get(COUNT) - 1);
        this.#exit();
      }
    } finally {
      cond.release();
    }
  }

  /** wait(), blocking this process. */
  waitSync(options: { timeoutMs?: number | undefined } = {}): number {
    const deadline = deadlineOf({ timeoutMs: options.timeoutMs ?? this.#timeoutMs });
    const cond = this.#cond;
    cond.acquireSync();
    try {
      while (this.#get(STATE) === RESETTING || this.#get(STATE) === DRAINING) cond.waitSync();
      if (this.#get(STATE) < 0) throw new BrokenBarrierError('The Barrier is broken.');
      const index = this.#get(COUNT);
      this.#set(COUNT, index + 1);
      try {
        if (index + 1 === this.parties) {
          try {
            if (this.#actionRef !== null && this.#action === undefined) {
              throw new BrokenBarrierError(
                'The Barrier action is still being imported in this process (it arrived by reference); waitSync() cannot wait for that: use wait().',
              );
            }
            this.#action?.();
            if (this.#get(STATE) !== FILLING) throw new BrokenBarrierError('The Barrier was broken or reset while its action ran.');
            this.#set(STATE, DRAINING);
            cond.notifyAll();
          } catch (error) {
            if (this.#get(STATE) !== RESETTING) this.#break();
            throw error;
          }
        } else {
          const left = remaining(deadline);
          const released = cond.waitForSync(() => this.#get(STATE) !== FILLING, { timeoutMs: left === -1 ? undefined : left });
          if (!released) {
            this.#break();
            throw new BrokenBarrierError('The Barrier timed out waiting for its parties, and is now broken.');
          }
          if (this.#get(STATE) < 0) throw new BrokenBarrierError('The Barrier was broken or reset while waiting.');
        }
        return index;
      } finally {
        this.#set(COUNT, this.#get(COUNT) - 1);
        this.#exit();
      }
    } finally {
      cond.release();
    }
  }

  /** Return to the empty state; parties waiting now get BrokenBarrierError. */
  reset(): void {
    this.#underLock(() => {
      if (this.#get(COUNT) > 0) {
        if (this.#get(STATE) === FILLING || this.#get(STATE) === BROKEN) this.#set(STATE, RESETTING);
      } else {
        this.#set(STATE, FILLING);
      }
      this.#cond.notifyAll();
    });
  }

  /** Break the barrier: current and future wait() calls fail with BrokenBarrierError until reset(). */
  abort(): void {
    this.#underLock(() => this.#break());
  }

  // Run `change` under the barrier's lock. A party of wait() in this process may hold it across
  // an await (the action, or between re-acquiring it and checking the state): a blocking acquire
  // would then never return, since that party resumes on this thread. Ownership is per process,
  // so `change` runs at once; that party checks the state when it resumes (see wait()).
  #underLock(change: () => void): void {
    const cond = this.#cond;
    if (cond.lock.isOwned()) {
      change();
      return;
    }
    cond.acquireSync();
    try {
      change();
    } finally {
      cond.release();
    }
  }

  /** @internal */
  [kReduce](): HandleDescriptor {
    const cond = this.#cond[kReduce]();
    const action =
      this.#action === undefined ? null : (this.#actionRef ?? referenceTarget(this.#action, 'Barrier action', 'a child process'));
    const data: BarrierData = { timeoutMs: this.#timeoutMs, action };
    return { kind: 'multiproc.Barrier', data, fds: [this.#segment.fd, ...cond.fds] };
  }

  toString(): string {
    return `<Barrier(parties=${this.parties}, waiting=${this.nWaiting}${this.broken ? ', broken' : ''})>`;
  }
}

registerRebuilder('multiproc.Barrier', (handle: ReceivedHandle) => {
  const data = handle.data as BarrierData;
  const cond = new Condition(new Lock(openSegment(handle.fds[2], 'Barrier')), openSegment(handle.fds[1], 'Barrier'));
  return new Barrier(0, { timeoutMs: data.timeoutMs }, { segment: openSegment(handle.fds[0], 'Barrier'), cond, actionRef: data.action });
});
