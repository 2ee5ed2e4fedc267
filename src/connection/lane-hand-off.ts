// A reader's side of its Pipe's lane (lane.ts): where the next message is (lane or socket), the
// hand-off of a socket header between processes that share an end, the sleep handshake, and the
// sweep that backs it up.
//
// Sleeping. While receives or polls wait on the socket, the reader counts this process among the
// lane's sleepers (a sender then writes a wake frame), and looks at the ring once more after
// counting: a record published before the count was seen is taken then (lane.ts).
//
// The sweep: readers asleep on a lane look at it every LANE_SWEEP_MS anyway, a safety net and
// not the wake-up path. A wake frame is taken by whichever process reads it; when processes share
// one end without taking turns (one polls while another receives), the one that needed it may
// sleep on with a message in the ring. It finds it at the next look. (A producer that died
// between claiming the wake-up and writing it would leave the same.)
import { performance } from 'node:perf_hooks';
import { Tag } from '../wire/protocol.ts';
import { MARK, type Lane } from './lane.ts';

/** How often readers asleep on a lane look at it anyway (ms). */
const LANE_SWEEP_MS = 50;

/** What the sweep asks of a reader asleep on a lane. */
export interface LaneLooker {
  /** Take what the lane holds now, for the receives and polls waiting. */
  lookAtLane(): void;
}

const asleep = new Set<LaneLooker>();
let sweeper: ReturnType<typeof setInterval> | null = null;

function sweep(reader: LaneLooker, sleeping: boolean): void {
  if (sleeping) {
    asleep.add(reader);
    sweeper ??= setInterval(() => {
      for (const one of asleep) one.lookAtLane();
    }, LANE_SWEEP_MS).unref();
  } else {
    asleep.delete(reader);
    if (asleep.size === 0 && sweeper !== null) {
      clearInterval(sweeper);
      sweeper = null;
    }
  }
}

/** One reader's side of its lane (see the top). */
export class LaneHandOff {
  readonly #lane: Lane;
  readonly #reader: LaneLooker;
  #sleeping = false; // counted among the lane's sleepers

  constructor(lane: Lane, reader: LaneLooker) {
    this.#lane = lane;
    this.#reader = reader;
  }

  /** True while the reader reads the socket (up to a laneReturn frame). */
  get onSocket(): boolean {
    return this.#lane.consumerOnSocket;
  }

  /** The lane has records to take now (the reader is on the lane). */
  ready(): boolean {
    return !this.#lane.consumerOnSocket && this.#lane.hasRecords();
  }

  /** True while a socket frame's header waits in the lane (read by another process, or by a poll). */
  get stashed(): boolean {
    return this.#lane.stashed;
  }

  /**
   * A socket frame's header was read by an end other processes may read too (not `exclusive`):
   * true when it is kept in the lane for whichever process goes on (stash), because the records
   * before its MARK come first or only a poll looked (not `now`); false: go on with it now.
   */
  keepHeader(tag: Tag, length: number, now: boolean, exclusive: boolean): boolean {
    if (exclusive || (now && !this.ready())) return false;
    this.#lane.stash(tag, length);
    return true;
  }

  /** The stashed header (and it is no longer stashed). */
  takeStash(): { tag: Tag; length: number } {
    return this.#lane.takeStash() as { tag: Tag; length: number };
  }

  /** A control frame was read: a wake-up (the next may be sent), or the return to the lane. */
  control(tag: Tag): void {
    if (tag === Tag.wake) this.#lane.wakeTaken();
    else this.#lane.consumerOnSocket = false;
  }

  /**
   * The kind of the next record (a message's Tag; see record()), or -1 when the reader is to read
   * the socket: it is there already, the lane is empty, or a MARK sent it there (taken here).
   */
  next(): number {
    const lane = this.#lane;
    if (lane.consumerOnSocket) return -1;
    const kind = lane.peek();
    if (kind !== MARK) return kind;
    lane.advance();
    lane.consumerOnSocket = true;
    return -1;
  }

  /** The payload of the record next() named (a view of the ring, valid until advance()). */
  record(): Buffer {
    return this.#lane.bytes.subarray(this.#lane.at, this.#lane.at + this.#lane.length);
  }

  /** The payload length of the record next() named. */
  get recordLength(): number {
    return this.#lane.length;
  }

  /** Consume the record next() named. */
  advance(): void {
    this.#lane.advance();
  }

  /**
   * Receives or polls wait on the socket (`waiting`) or no longer: count this process in or out
   * of the lane's sleepers; on counting in, look at the ring once more (see the top).
   */
  settle(waiting: boolean): void {
    if (waiting === this.#sleeping) return;
    this.#sleeping = waiting;
    sweep(this.#reader, waiting);
    if (!waiting) {
      this.#lane.awake();
      return;
    }
    this.#lane.sleep();
    this.#reader.lookAtLane();
  }

  /** In a forked child: the sleepers' count is the parent's, not this process's. */
  forgetAfterFork(): void {
    this.#sleeping = false;
    sweep(this.#reader, false);
  }

  /** Spin on the ring for up to `micros` µs; true when a record came. */
  spin(micros: number): boolean {
    const lane = this.#lane;
    const deadline = performance.now() + micros / 1000;
    do {
      for (let i = 0; i < 64; i++) if (lane.hasRecords()) return true;
    } while (performance.now() < deadline);
    return false;
  }
}
