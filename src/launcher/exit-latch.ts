// A child's end as every launcher sees it: the exit code once known, the waiters (each with its
// own timeout), and a hold on the event loop while someone waits for a child that does not keep
// the loop alive by itself (a daemon, or a fork server's child).
import { logAt, LogLevel } from '../log.ts';

/** What keeps the event loop alive while someone waits (a handle's ref/unref). */
export interface LoopHold {
  ref(): void;
  unref(): void;
}

/** One child's exit, settled once by its launcher. */
export class ExitLatch {
  readonly #pid: number;
  readonly #hold: LoopHold | null;
  readonly #exited: Promise<number>;
  #resolve!: (code: number) => void;
  #code: number | null = null;
  #waiters = 0;

  /** `hold`: what to ref while someone waits; null when the child keeps the loop alive anyway. */
  constructor(pid: number, hold: LoopHold | null) {
    this.#pid = pid;
    this.#hold = hold;
    this.#exited = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  /** The exit code in Python's convention once the child ended; else null. */
  get code(): number | null {
    return this.#code;
  }

  /** Record the end and wake the waiters; later calls are ignored. */
  settle(code: number): void {
    if (this.#code !== null) return;
    this.#code = code;
    logAt(LogLevel.DEBUG, 'child pid %d ended, exitCode %d', this.#pid, code);
    this.#resolve(code);
  }

  /** Resolves with the exit code when the child ends, or null when `timeoutMs` passes first. */
  async wait(timeoutMs?: number): Promise<number | null> {
    if (this.#code !== null) return this.#code;
    if (this.#waiters++ === 0) this.#hold?.ref();
    let timer: NodeJS.Timeout | undefined;
    try {
      if (timeoutMs === undefined) return await this.#exited;
      const timeout = new Promise<null>((resolve) => {
        timer = setTimeout(resolve, timeoutMs, null);
      });
      return await Promise.race([this.#exited, timeout]);
    } finally {
      clearTimeout(timer);
      if (--this.#waiters === 0) this.#hold?.unref();
    }
  }
}
