// The portable Barrier's state machine (served by its creator, server.ts): threading.Barrier's,
// with the action run by the party that completes the round, in its own process. That party is
// answered `{ index, action: true }`, runs the action and reports with 'actionDone'; until then
// the others stay waiting, and arrivals, reset() and abort() from other processes wait their turn
// (in the native Barrier they wait for its lock, which the acting party holds). A reset() or
// abort() from the acting party's own process applies at once, and its report is then refused.
// A waiting party that leaves (timeout, aborted signal, its process gone) breaks the barrier.
import { asError } from '../connection/errors.ts';
import { BrokenBarrierError } from '../sync/errors.ts';
import { Subscribers, Waits, type OnCancel, type Served, type Session } from './waits.ts';

type Outcome = 'pass' | 'broken';

/** What other processes read at once: pushed to them on every change. */
export interface BarrierSnapshot {
  broken: boolean;
  nWaiting: number;
}

/** Server side of a portable Barrier. */
export class BarrierState implements Served {
  readonly #parties: number;
  readonly #subscribers: Subscribers;
  readonly #waits = new Waits<Outcome>();
  readonly #deferred: (() => void)[] = []; // calls that wait for the action to end
  #count = 0; // parties arrived in this round, the acting one included
  #broken = false;
  #actor: Session | null = null;
  #disturbed = false; // reset() or abort() while the action ran

  constructor(id: number, parties: number) {
    this.#parties = parties;
    this.#subscribers = new Subscribers(id);
  }

  call(session: Session, op: string, args: unknown[], onCancel: OnCancel): unknown {
    const acting = this.#actor !== null;
    if (acting && (op === 'wait' || ((op === 'reset' || op === 'abort') && session !== this.#actor))) {
      return this.#defer(session, op, args, onCancel);
    }
    switch (op) {
      case 'wait':
        return this.#arrive(session, args[0], onCancel);
      case 'actionDone':
        return this.#actionDone(args[0] === true);
      case 'reset':
        this.#release('broken', false);
        return undefined;
      case 'abort':
        this.#release('broken', true);
        return undefined;
      case 'state':
        return this.#snapshot();
      case 'subscribe':
        this.#subscribers.add(session, this.#snapshot());
        return undefined;
      default:
        throw new TypeError(`unknown operation ${op}`);
    }
  }

  dropped(session: Session): void {
    this.#subscribers.drop(session);
    if (this.#actor === session) this.#actionDone(false, true); // its process ended while the action ran
  }

  #snapshot(): BarrierSnapshot {
    return { broken: this.#broken, nWaiting: this.#broken ? 0 : this.#count };
  }

  #arrive(session: Session, timeoutMs: unknown, onCancel: OnCancel): unknown {
    if (this.#broken) throw new BrokenBarrierError('The Barrier is broken.');
    const index = this.#count++;
    if (this.#count === this.#parties) {
      this.#actor = session;
      this.#disturbed = false;
      this.#changed();
      return { index, action: true };
    }
    this.#changed();
    const leaving: OnCancel = (cancel) =>
      onCancel(() => {
        cancel();
        this.#release('broken', true);
      });
    return this.#waits
      .add(session, timeoutMs, leaving, (_, reject) => {
        this.#release('broken', true);
        reject(new BrokenBarrierError('The Barrier timed out waiting for its parties, and is now broken.'));
      })
      .then((outcome) => {
        if (outcome === 'broken') throw new BrokenBarrierError('The Barrier was broken or reset while waiting.');
        return { index };
      });
  }

  #actionDone(ok: boolean, quiet = false): undefined {
    this.#actor = null;
    try {
      if (this.#disturbed) {
        if (quiet) return undefined;
        throw new BrokenBarrierError('The Barrier was broken or reset while its action ran.');
      }
      this.#release(ok ? 'pass' : 'broken', !ok);
      return undefined;
    } finally {
      while (this.#actor === null && this.#deferred.length > 0) this.#deferred.shift()?.();
    }
  }

  // End the round: the waiting parties get `outcome`; `broken` says what the barrier is after.
  #release(outcome: Outcome, broken: boolean): void {
    if (this.#actor !== null) this.#disturbed = true;
    this.#broken = broken;
    this.#count = 0;
    this.#changed(); // pushed before the waiters' answers, which go out a turn later
    while (this.#waits.grantFirst(outcome));
  }

  #changed(): void {
    this.#subscribers.push(this.#snapshot());
  }

  #defer(session: Session, op: string, args: unknown[], onCancel: OnCancel): Promise<unknown> {
    const since = performance.now();
    return new Promise((resolve, reject) => {
      const run = () => {
        try {
          if (op === 'wait' && typeof args[0] === 'number') args[0] = Math.max(0, args[0] - (performance.now() - since));
          resolve(this.call(session, op, args, onCancel));
        } catch (error) {
          reject(asError(error));
        }
      };
      this.#deferred.push(run);
      onCancel(() => {
        const at = this.#deferred.indexOf(run);
        if (at < 0) return;
        this.#deferred.splice(at, 1);
        reject(new Error('withdrawn'));
      });
    });
  }
}
