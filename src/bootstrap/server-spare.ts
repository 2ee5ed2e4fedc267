// The fork server's side of its warm spares (src/bootstrap/spare-child.ts): when to fork them and
// drop them (src/bootstrap/spare-policy.ts), which are still usable (forked after the server's
// last import), and which children's ends nobody is told of (spares never used). One spare per
// child that ended since the last start, as the policy allows: a start→join loop keeps one, a
// Pool whose N workers ended together keeps N for the next Pool's burst of N starts.
import { availableParallelism } from 'node:os';
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

/** At most one spare per CPU this process may use: a program that ended 100 children at once gets no 100 idle copies. */
const MAX_SPARES = Math.max(1, availableParallelism());

/** The server's spares, oldest first, and the policy that decides them. */
export class SpareKeeper {
  readonly #options: SpareKeeperOptions;
  readonly #policy = new SparePolicy();
  readonly #unreported = new Set<number>();
  readonly #spares: Spare[] = [];
  #endedSinceStart = 0;
  #expiry: NodeJS.Timeout | undefined;

  constructor(options: SpareKeeperOptions) {
    this.#options = options;
  }

  /** A start request arrived (served by a spare or not). */
  started(): void {
    this.#policy.started(performance.now());
    this.#endedSinceStart = 0;
  }

  /** The oldest spare that has every module the server has (stale ones are dropped); the caller hands the request to it. */
  take(): Spare | null {
    for (let ready = this.#spares.shift(); ready !== undefined; ready = this.#spares.shift()) {
      if (ready.generation === moduleGeneration()) {
        this.#unreported.delete(ready.pid);
        this.#options.children.restart(ready.pid);
        return ready;
      }
      this.#options.native.close(ready.fd); // it ends itself (spare-child.ts), unreported
    }
    return null;
  }

  /** Watch a child of the server: its end is reported unless it is an unused spare, and may call for a spare. */
  watch(pid: number): void {
    this.#options.children.watch(pid, (end) => this.#ended(end));
  }

  #ended(end: ChildEnd): void {
    this.#forget(end.pid); // a spare that died while waiting
    if (this.#unreported.delete(end.pid)) return;
    this.#options.reportEnd(end);
    const now = performance.now();
    if (!this.#policy.wantsSpare(now, end.lifetime)) return;
    // A start→join loop, a Pool replacing a worker or started again: have a spare ready for the
    // next start (once this turn of the loop is done), dropped if no start came in time. Not at
    // each start: the starts of a burst (a Pool's workers) would each fork a spare nobody uses.
    this.#endedSinceStart++;
    clearTimeout(this.#expiry);
    this.#expiry = setTimeout(() => this.#dropAll(), this.#policy.keepFor(end.lifetime)).unref();
    setImmediate(() => this.#fork());
  }

  #fork(): void {
    const { native } = this.#options;
    if (this.#spares.length >= Math.min(this.#endedSinceStart, MAX_SPARES) || this.#options.busy()) return;
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
    this.#spares.push({ pid, fd: mine, generation: moduleGeneration() });
    this.#unreported.add(pid);
    this.watch(pid);
  }

  #forget(pid: number): void {
    const at = this.#spares.findIndex((spare) => spare.pid === pid);
    if (at < 0) return;
    this.#options.native.close((this.#spares[at] as Spare).fd);
    this.#spares.splice(at, 1);
  }

  // Close the unused spares' sockets: they end themselves, and their ends are not reported.
  #dropAll(): void {
    clearTimeout(this.#expiry);
    for (const spare of this.#spares.splice(0)) this.#options.native.close(spare.fd);
  }

  /** In a child of the server: sibling spares' sockets and the expiry are the server's. */
  forgetInChild(): void {
    for (const spare of this.#spares.splice(0)) this.#options.native.close(spare.fd);
    this.#unreported.clear();
    clearTimeout(this.#expiry);
  }
}
