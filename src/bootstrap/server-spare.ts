// The fork server's side of its warm spare (src/bootstrap/spare-child.ts): when to fork one and
// drop it (src/bootstrap/spare-policy.ts), which one is still usable (forked after the server's
// last import), and which children's ends nobody is told of (spares never used).
import { performance } from 'node:perf_hooks';
import type { NativeBinding } from '../native/types.ts';
import type { ChildEnd, ServerChildren } from './server-children.ts';
import { moduleGeneration } from './server-modules.ts';
import type { Spare } from './spare-child.ts';
import { SparePolicy } from './spare-policy.ts';

/** Options of SpareKeeper. */
export interface SpareKeeperOptions {
  native: NativeBinding;
  children: ServerChildren;
  /** Called with every end of a child that is not an unused spare. */
  reportEnd: (end: ChildEnd) => void;
  /** Whether the server is handling a request now (no spare is forked then). */
  busy: () => boolean;
  /** In the forked spare: its side of the socket. Never returns. */
  runSpare: (fd: number) => void;
}

/** The server's spare, if any, and the policy that decides it. */
export class SpareKeeper {
  readonly #options: SpareKeeperOptions;
  readonly #policy = new SparePolicy();
  readonly #unreported = new Set<number>();
  #spare: Spare | null = null;
  #expiry: NodeJS.Timeout | undefined;

  constructor(options: SpareKeeperOptions) {
    this.#options = options;
  }

  /** A start request arrived (served by a spare or not). */
  started(): void {
    this.#policy.started(performance.now());
  }

  /** The spare, if it has every module the server has (a stale one is dropped); the caller hands the request to it. */
  take(): Spare | null {
    const ready = this.#spare;
    if (ready === null) return null;
    this.#spare = null;
    clearTimeout(this.#expiry);
    if (ready.generation !== moduleGeneration()) {
      this.#options.native.close(ready.fd); // it ends itself (spare-child.ts), unreported
      return null;
    }
    this.#unreported.delete(ready.pid);
    this.#options.children.restart(ready.pid);
    return ready;
  }

  /** Watch a child of the server: its end is reported unless it is an unused spare, and may call for a spare. */
  watch(pid: number): void {
    this.#options.children.watch(pid, (end) => this.#ended(end));
  }

  #ended(end: ChildEnd): void {
    if (this.#spare?.pid === end.pid) this.#drop(); // died while waiting
    if (this.#unreported.delete(end.pid)) return;
    this.#options.reportEnd(end);
    const now = performance.now();
    if (!this.#policy.wantsSpare(now, end.lifetime)) return;
    // A start→join loop, a Pool replacing a worker: have a spare ready for the next start (once
    // this turn of the loop is done), dropped if no start came in time. Not at each start: the
    // starts of a burst (a Pool's workers) would each fork a spare nobody uses.
    clearTimeout(this.#expiry);
    this.#expiry = setTimeout(() => this.#drop(), this.#policy.keepFor(end.lifetime)).unref();
    setImmediate(() => this.#fork());
  }

  #fork(): void {
    const { native } = this.#options;
    if (this.#spare !== null || this.#options.busy()) return;
    const [mine, theirs] = native.socketpair();
    let pid: number;
    try {
      pid = native.fork();
    } catch {
      native.close(mine);
      native.close(theirs);
      return; // no spare: the next start forks as usual
    }
    if (pid === 0) {
      native.close(mine);
      return this.#options.runSpare(theirs);
    }
    native.close(theirs);
    this.#spare = { pid, fd: mine, generation: moduleGeneration() };
    this.#unreported.add(pid);
    this.watch(pid);
  }

  // Close the unused spare's socket: it ends itself, and its end is not reported.
  #drop(): void {
    clearTimeout(this.#expiry);
    if (this.#spare === null) return;
    this.#options.native.close(this.#spare.fd);
    this.#spare = null;
  }

  /** In a child of the server: a sibling spare's socket and the expiry are the server's. */
  forgetInChild(): void {
    if (this.#spare !== null) this.#options.native.close(this.#spare.fd);
    this.#spare = null;
    this.#unreported.clear();
    clearTimeout(this.#expiry);
  }
}
