// The fast lane of a Pipe: for each direction, a ring of records in shared memory beside the
// socket. A small message is written into the ring and read out of it with no system call; the
// socket carries large messages, and wakes a receiver that sleeps on it. A system call costs
// microseconds and a wake-up of the event loop tens of them, so a round trip without any is
// several times faster when both sides are running (docs/DECISIONS.md, Pipe and Connection).
//
// One stream, two carriers. Messages keep one order: each direction's producer is on the lane or
// on the socket, and the switch is itself a message on the carrier it leaves:
// - lane → socket: a MARK record ("the next messages are on the socket"), then socket frames;
// - socket → lane: a `laneReturn` frame on the socket, then lane records.
// The receiver reads the carrier its shared mode word names, and switches where those say.
// A large message, or a full ring, moves the producer to the socket; the next small message
// that finds room moves it back. One record's room is always kept for the MARK.
//
// Sleeping. A receiver about to wait on the socket counts itself in SLEEPERS, then looks at the
// ring once more; a producer publishes, then looks at SLEEPERS, and if someone sleeps writes a
// `wake` frame (at most one on its way: WAKE_SENT). Atomics are sequentially consistent, so
// either the receiver sees the record or the producer sees the sleeper (Dekker's handshake).
// Wake frames carry nothing; a receiver skips them wherever they are.
//
// Several processes may hold one end. Receivers take turns under a lock, as with a socket alone
// (Python's rule); every position and mode lives in the shared memory, so whoever holds the end
// goes on from where the last one stopped. Senders need no lock on a socket for small messages
// (each is one write), so the ring is written only while one sending end is open in all
// processes (aloneProducing); otherwise they use the socket. Records are checked as they are
// read: a corrupt ring is a FrameError, never a read outside it. The bytes (where each word and
// record field is) are src/wire/lane-layout.ts.
import { performance } from 'node:perf_hooks';
import {
  CONSUMER_ON_SOCKET,
  HEAD,
  LANE_CONTROL,
  LANE_MASK,
  LANE_RING,
  MARK,
  PRODUCER_LOCK,
  PRODUCER_ON_SOCKET,
  PRODUCERS,
  RECEIVERS,
  RECORD_HEADER,
  recordAt,
  recordKind,
  recordLength,
  recordSize,
  SLEEPERS,
  STASH_LENGTH,
  STASH_TAG,
  STASHED,
  TAIL,
  WAKE_SENT,
  WRAP,
  writeRecord,
  writeWrap,
} from '../wire/lane-layout.ts';

/** What a Lane's users see of its layout: the memory one takes, the largest payload, the kind peek() gives for a MARK. */
export { LANE_BYTES, LANE_MAX_PAYLOAD, MARK } from '../wire/lane-layout.ts';

/** How long a producer waits for PRODUCER_LOCK (ms) before it leaves the lane alone (its holder died). */
const PRODUCER_LOCK_WAIT_MS = 0.2;

/** One direction of a Pipe's fast lane, over `LANE_BYTES` of shared memory. */
export class Lane {
  readonly #control: Int32Array;
  readonly #words: Int32Array;
  /** The ring's bytes (payloads are read and written here). */
  readonly bytes: Buffer;
  #reserved = 0; // the producer's tail for the record being written (past a WRAP it wrote)
  /** Where the payload of the record peek() returned starts in `bytes`, and its length. */
  at = 0;
  length = 0;

  /** The shared memory this lane is in, and where in it (what a child needs to find it). */
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;

  constructor(buffer: SharedArrayBuffer, byteOffset: number) {
    this.buffer = buffer;
    this.byteOffset = byteOffset;
    this.#control = new Int32Array(buffer, byteOffset, LANE_CONTROL / 4);
    this.#words = new Int32Array(buffer, byteOffset + LANE_CONTROL, LANE_RING / 4);
    this.bytes = Buffer.from(buffer, byteOffset + LANE_CONTROL, LANE_RING);
  }

  // ---- producer ----

  /** A sending end on this lane was made (1: a Pipe's, one received by a child, a forked child's copy) or closed or collected (-1). */
  countProducer(delta: 1 | -1): void {
    Atomics.add(this.#control, PRODUCERS, delta);
  }

  /**
   * True while one sending end is open on this lane in all processes. Only then is the ring
   * written: two processes that send on copies of one end (workers reporting on one shared end,
   * without a lock, as sockets allow for small messages) use the socket, whose small writes do
   * not mix. A copy that a killed process held keeps the count up: the socket then, not a lost
   * message. A new copy counts itself when it is made, before it can send.
   */
  aloneProducing(): boolean {
    return Atomics.load(this.#control, PRODUCERS) === 1;
  }

  /**
   * Take the producers' lock: whatever a producer does to the lane (look at the counts and the
   * mode, reserve, publish, push a MARK) happens under it, so a second sending end that appears
   * while the first is in the middle of a send (a child rebuilding a copy) sees a consistent
   * lane. Held for microseconds, never across an await. False when it could not be had within
   * PRODUCER_LOCK_WAIT_MS: a process died holding it; the caller then uses the socket without
   * touching the lane (the dead holder's copy keeps the producer count above 1 anyway).
   */
  lockProducer(): boolean {
    if (Atomics.compareExchange(this.#control, PRODUCER_LOCK, 0, 1) === 0) return true;
    const deadline = performance.now() + PRODUCER_LOCK_WAIT_MS;
    do {
      if (Atomics.compareExchange(this.#control, PRODUCER_LOCK, 0, 1) === 0) return true;
    } while (performance.now() < deadline);
    return false;
  }

  unlockProducer(): void {
    Atomics.store(this.#control, PRODUCER_LOCK, 0);
  }

  /** True while this direction's messages go by the socket. */
  get producerOnSocket(): boolean {
    return Atomics.load(this.#control, PRODUCER_ON_SOCKET) === 1;
  }

  set producerOnSocket(value: boolean) {
    Atomics.store(this.#control, PRODUCER_ON_SOCKET, value ? 1 : 0);
  }

  /**
   * Room for a record of up to `maxLength` payload bytes: where its payload goes in `bytes`, or -1
   * when the ring has no room for it now. Nothing is visible until publish().
   */
  reserve(maxLength: number): number {
    const tail = Atomics.load(this.#control, TAIL);
    const used = (tail - Atomics.load(this.#control, HEAD)) | 0;
    const size = recordSize(maxLength);
    const at = tail & LANE_MASK;
    const contiguous = LANE_RING - at;
    const needed = size <= contiguous ? size : contiguous + size;
    if (used + needed + RECORD_HEADER > LANE_RING) return -1; // the MARK's room stays free
    if (size <= contiguous) this.#reserved = tail;
    else {
      writeWrap(this.bytes, at);
      this.#reserved = (tail + contiguous) | 0;
    }
    return (this.#reserved & LANE_MASK) + RECORD_HEADER;
  }

  /** Make the reserved record visible: `kind` (a Tag), `length` payload bytes (at most the reserved). */
  publish(kind: number, length: number): void {
    writeRecord(this.#words, this.bytes, this.#reserved & LANE_MASK, kind, length);
    Atomics.store(this.#control, TAIL, (this.#reserved + recordSize(length)) | 0);
  }

  /** Publish a MARK (the producer moves to the socket); its room is always there. */
  pushMark(): void {
    const tail = Atomics.load(this.#control, TAIL);
    writeRecord(this.#words, this.bytes, tail & LANE_MASK, MARK, 0);
    Atomics.store(this.#control, TAIL, (tail + recordSize(0)) | 0);
  }

  /** After publishing: true when a wake frame must be written (a receiver sleeps and none is on its way). */
  wakeNeeded(): boolean {
    return Atomics.load(this.#control, SLEEPERS) > 0 && Atomics.compareExchange(this.#control, WAKE_SENT, 0, 1) === 0;
  }

  /**
   * False once every receiving end was closed or collected (the producer then uses the socket,
   * whose kernel says whether the peer is there). A process that was killed never counted
   * itself out: the writer also asks the socket now and then (writer.ts).
   */
  receiversOpen(): boolean {
    return Atomics.load(this.#control, RECEIVERS) > 0;
  }

  // ---- consumer ----

  /** True while a socket frame's header waits in the lane (see stash). */
  get stashed(): boolean {
    return Atomics.load(this.#control, STASHED) === 1;
  }

  /**
   * Keep a socket frame's header here, read by an end that other processes may read too, when it
   * cannot go on with that frame now (the records before its MARK come first, or only a poll
   * looked). Whichever process goes on next takes it (takeStash) instead of reading the socket,
   * where the header no longer is.
   */
  stash(tag: number, length: number): void {
    Atomics.store(this.#control, STASH_TAG, tag);
    Atomics.store(this.#control, STASH_LENGTH, length);
    Atomics.store(this.#control, STASHED, 1);
  }

  /** The stashed header (and it is no longer stashed). */
  takeStash(): { tag: number; length: number } {
    Atomics.store(this.#control, STASHED, 0);
    return { tag: Atomics.load(this.#control, STASH_TAG), length: Atomics.load(this.#control, STASH_LENGTH) >>> 0 };
  }

  /** A receiving end on this lane was made (1: a Pipe's, one received by a child, a forked child's copy) or closed or collected (-1). */
  countReceiver(delta: 1 | -1): void {
    Atomics.add(this.#control, RECEIVERS, delta);
  }

  /** True while this direction's receiver reads the socket (up to a laneReturn frame). */
  get consumerOnSocket(): boolean {
    return Atomics.load(this.#control, CONSUMER_ON_SOCKET) === 1;
  }

  set consumerOnSocket(value: boolean) {
    Atomics.store(this.#control, CONSUMER_ON_SOCKET, value ? 1 : 0);
  }

  /** True when a record is published and not yet consumed. */
  hasRecords(): boolean {
    return Atomics.load(this.#control, HEAD) !== Atomics.load(this.#control, TAIL);
  }

  /**
   * The next record's kind (a Tag, or MARK), -1 when there is none; its payload is `length`
   * bytes at `at`. Throws FrameError when the ring is corrupt.
   */
  peek(): number {
    for (;;) {
      const head = Atomics.load(this.#control, HEAD);
      const used = (Atomics.load(this.#control, TAIL) - head) | 0;
      if (used === 0) return -1;
      const at = recordAt(head, used);
      const kind = recordKind(this.bytes, at);
      if (kind === WRAP) {
        Atomics.store(this.#control, HEAD, (head + LANE_RING - at) | 0);
        continue;
      }
      this.length = recordLength(this.#words, at, used);
      this.at = at + RECORD_HEADER;
      return kind;
    }
  }

  /** Consume the record peek() returned. */
  advance(): void {
    const head = Atomics.load(this.#control, HEAD);
    Atomics.store(this.#control, HEAD, (head + recordSize(this.length)) | 0);
  }

  /** This receiver waits on the socket from now on (a producer will write a wake frame). */
  sleep(): void {
    Atomics.add(this.#control, SLEEPERS, 1);
  }

  /** This receiver no longer waits on the socket. */
  awake(): void {
    Atomics.sub(this.#control, SLEEPERS, 1);
  }

  /** A wake frame was read: the next wake-up may be sent. */
  wakeTaken(): void {
    Atomics.store(this.#control, WAKE_SENT, 0);
  }
}
