// The receiving half of a Connection: reads exactly one frame at a time from a file descriptor
// (header, then payload), never more, so several processes may share one read end (a Queue's
// consumers, under a lock) without one of them holding another's message in a private buffer
// (as Python's Connection, which reads the length and then exactly that many bytes).
//
// Readiness comes from a uv_poll on Node's loop (native watchReadable): it is level-triggered,
// so it is open only while someone waits (recv, poll) and closed as soon as it fires with no one
// waiting; it is ref'd only while someone waits, so an idle connection never keeps a process alive.
import { readSync } from 'node:fs';
import type { FdWatcher, NativeBinding } from '../native/binding.ts';
import { decodeObject, HEADER_SIZE, parseHeader, Tag } from '../wire/protocol.ts';
import { endOfFile, MessageTooLongError } from './errors.ts';

/** What a waiter wants: a decoded value (recv) or the payload bytes (recvBytes). */
export type Want = 'object' | 'bytes';

interface Waiter {
  want: Want | 'poll';
  maxLength: number | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  settled: boolean;
  cleanup: (() => void) | null;
}

/** How long one read or poll waits: `timeoutMs` (then `onTimeout` decides the outcome) and `signal`. */
export interface WaitOptions {
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

// Connections with a receive in progress: reachable until it ends, whoever holds their Promise
// (an unreachable, idle Connection is closed by the registry's finalizer).
const busy = new Set<object>();

export class FrameReader {
  readonly #owner: WeakRef<object>;
  readonly #fd: number;
  readonly #native: NativeBinding;
  readonly #maxFrame: number;
  #watcher: FdWatcher | null = null;
  #waiters: Waiter[] = [];
  #header = Buffer.alloc(HEADER_SIZE);
  #headerFill = 0;
  #tag: Tag = Tag.object;
  #length = -1; // payload length of the frame being read; -1 while its header is incomplete
  #body: Buffer | null = null;
  #bodyFill = 0;
  #failure: Error | null = null; // EOF or a corrupt stream: every later read gets it
  readonly #onReadable = () => this.#readable();

  constructor(owner: object, fd: number, native: NativeBinding, maxFrame: number) {
    this.#owner = new WeakRef(owner);
    this.#fd = fd;
    this.#native = native;
    this.#maxFrame = maxFrame;
  }

  /** The next frame, as a value or as bytes (a payload over `maxLength` fails that read only). */
  read(want: Want, maxLength: number | undefined, options: WaitOptions, onTimeout: () => Outcome): Promise<unknown> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    return this.#wait(want, maxLength, options, onTimeout);
  }

  /** Whether a read would not wait: data (or EOF) is there now. */
  readyNow(): boolean {
    if (this.#failure !== null || this.#headerFill > 0) return true;
    return this.#native.pollReadable([this.#fd], 0).length > 0;
  }

  /** Resolves true when data (or EOF) arrives, false after `timeoutMs`. */
  whenReady(options: WaitOptions): Promise<unknown> {
    if (this.readyNow()) return Promise.resolve(true);
    if (options.timeoutMs === 0) return Promise.resolve(false);
    return this.#wait('poll', undefined, options, () => ({ ok: true, value: false }));
  }

  /** Fail every waiter with `error`, stop watching; later reads fail with it too (polls say ready at EOF). */
  close(error: Error, eof = false): void {
    this.#failure ??= error;
    this.#stopWatching();
    for (const waiter of this.#waiters.splice(0)) {
      if (eof && waiter.want === 'poll') settle(waiter, { ok: true, value: true });
      else settle(waiter, { ok: false, error });
    }
    this.#idleCheck();
  }

  /** In a forked child: the parent's waiters are the parent's; forget them (they never settle here). */
  forgetAfterFork(): void {
    this.#waiters = [];
    this.#stopWatching();
  }

  #wait(want: Want | 'poll', maxLength: number | undefined, options: WaitOptions, onTimeout: () => Outcome): Promise<unknown> {
    const { timeoutMs, signal } = options;
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    let waiter!: Waiter;
    const promise = new Promise<unknown>((resolve, reject) => {
      waiter = { want, maxLength, resolve, reject, settled: false, cleanup: null };
    });
    this.#waiters.push(waiter);
    if (this.#waiters.length === 1) {
      const owner = this.#owner.deref();
      if (owner !== undefined) busy.add(owner);
    }
    this.#watch();
    if (timeoutMs !== undefined || signal !== undefined) {
      // A read that gives up leaves any half-read frame to the next read: nothing is lost.
      const cancel = (outcome: Outcome) => {
        if (waiter.settled) return;
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        settle(waiter, outcome);
        this.#idleCheck();
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => cancel(onTimeout()), timeoutMs);
      const onAbort = () => cancel({ ok: false, error: signal?.reason });
      signal?.addEventListener('abort', onAbort, { once: true });
      waiter.cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
    }
    return promise;
  }

  #watch(): void {
    if (this.#watcher === null) this.#watcher = this.#native.watchReadable(this.#fd, this.#onReadable);
    else this.#watcher.ref();
  }

  #stopWatching(): void {
    this.#watcher?.close();
    this.#watcher = null;
    if (this.#waiters.length === 0) this.#idleCheck();
  }

  #readable(): void {
    this.#resolvePolls();
    if (this.#waiters.length === 0) {
      // Data with no one waiting to read it: leave it in the kernel (a level-triggered poll would spin).
      this.#stopWatching();
      return;
    }
    try {
      this.#step();
    } catch (error) {
      this.close(error as Error); // a corrupt stream: nothing after it can be trusted
      return;
    }
    this.#idleCheck();
  }

  #idleCheck(): void {
    if (this.#waiters.length > 0) return;
    this.#watcher?.unref();
    const owner = this.#owner.deref();
    if (owner !== undefined) busy.delete(owner);
  }

  // Reads what the waiting frame still needs. One frame per wake-up: if more data is there, the
  // level-triggered watcher calls again (cheaper than a read that fails with EAGAIN).
  #step(): void {
    if (this.#length < 0) {
      const n = this.#readInto(this.#header, this.#headerFill, HEADER_SIZE - this.#headerFill);
      if (n <= 0) return;
      this.#headerFill += n;
      if (this.#headerFill < HEADER_SIZE) return;
      const { tag, length } = parseHeader(this.#header, this.#maxFrame);
      this.#tag = tag;
      this.#length = length;
      this.#body = null;
      this.#bodyFill = 0;
    }
    if (!this.#checkLimit()) return;
    if (this.#body === null) this.#body = Buffer.allocUnsafe(this.#length);
    if (this.#bodyFill < this.#length) {
      const wanted = this.#length - this.#bodyFill;
      const n = this.#readInto(this.#body, this.#bodyFill, wanted);
      if (n <= 0) return;
      this.#bodyFill += n;
      if (n < wanted) return;
    }
    this.#deliver();
  }

  // recvBytes(maxLength) with a longer frame waiting: that waiter fails, the frame stays for the next.
  #checkLimit(): boolean {
    for (;;) {
      const first = this.#waiters.find((w) => w.want !== 'poll');
      if (first === undefined) return false;
      if (first.maxLength === undefined || this.#length <= first.maxLength) return true;
      this.#waiters.splice(this.#waiters.indexOf(first), 1);
      settle(first, { ok: false, error: new MessageTooLongError(this.#length, first.maxLength) });
    }
  }

  #deliver(): void {
    const payload = this.#body as Buffer;
    const tag = this.#tag;
    this.#length = -1;
    this.#headerFill = 0;
    this.#body = null;
    const waiter = this.#waiters.shift() as Waiter; // polls were resolved before reading
    if (waiter.want === 'bytes' || tag === Tag.bytes) {
      settle(waiter, { ok: true, value: payload });
      return;
    }
    let value: unknown;
    try {
      value = decodeObject(payload);
    } catch (error) {
      // The framing is intact: only this message is lost; the connection stays usable.
      settle(waiter, { ok: false, error });
      return;
    }
    settle(waiter, { ok: true, value });
  }

  // read(2) into target; 0 means EOF (handled here), -1 a spurious wake-up (another process read it).
  #readInto(target: Buffer, offset: number, length: number): number {
    let n: number;
    try {
      n = readSync(this.#fd, target, offset, length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') return -1;
      if (code === 'ECONNRESET') n = 0;
      else throw error;
    }
    if (n === 0) this.close(endOfFile(this.#headerFill > 0), true);
    return n;
  }

  #resolvePolls(): void {
    if (!this.#waiters.some((w) => w.want === 'poll')) return;
    const polls = this.#waiters.filter((w) => w.want === 'poll');
    this.#waiters = this.#waiters.filter((w) => w.want !== 'poll');
    for (const waiter of polls) settle(waiter, { ok: true, value: true });
  }
}

function settle(waiter: Waiter, outcome: Outcome): void {
  if (waiter.settled) return;
  waiter.settled = true;
  waiter.cleanup?.();
  if (outcome.ok) waiter.resolve(outcome.value);
  else waiter.reject(outcome.error);
}
