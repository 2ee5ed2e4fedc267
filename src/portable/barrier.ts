// Barrier without the addon: served by the process that created it (barrier-state.ts), with the
// API and errors of src/sync/barrier.ts. The action runs in the process whose wait() completes
// the round; a spawned child imports it by reference (an exported function), as the native one
// does. `broken` and `nWaiting` answer at once everywhere (a copy in other processes: replicas.ts).
import { importTarget, referenceTarget, type TargetRef } from '../loading/target.ts';
import { rebuildPending } from '../reduction.ts';
import { adopt, kReduce, newHandle, reduceHandle, syncRefused } from './adopt.ts';
import type { BarrierSnapshot } from './barrier-state.ts';
import { callLocalSync, callObject, type ObjectHandle } from './client.ts';
import { replicaOf, type Replica } from './replicas.ts';
import { fireAndForget, waitArgs } from './sync.ts';
import type { WaitOptions } from '../sync/futex.ts';

type Class = abstract new (...args: never[]) => object;
type Action = () => unknown;

/** A Barrier's handle: its parties and default timeout in the spec; the action by reference when sent. */
interface BarrierHandle extends ObjectHandle {
  action?: TargetRef | null;
  state?: BarrierSnapshot;
}

/** A portable Barrier (adopts Barrier.prototype). */
export class PortableBarrier {
  readonly #handle: BarrierHandle;
  readonly #replica: Replica | null; // null in the serving process
  #action: Action | undefined;
  #actionRef: TargetRef | null = null;
  #actionLoading: Promise<void> | null = null;

  /** `action`: in the creating process, the function itself. */
  constructor(handle: BarrierHandle, action?: Action) {
    this.#handle = handle;
    this.#action = action;
    this.#replica = handle.pid === process.pid ? null : replicaOf(handle, handle.state ?? { broken: false, nWaiting: 0 });
    const ref = handle.action ?? null;
    if (action === undefined && ref !== null) {
      this.#actionRef = ref;
      this.#actionLoading = importTarget(ref).then((fn) => {
        this.#action = fn;
      });
      this.#actionLoading.catch(() => undefined);
      rebuildPending(this.#actionLoading); // a Process child's target starts once it is there
    }
  }

  get parties(): number {
    return this.#handle.spec.params[0] as number;
  }

  get nWaiting(): number {
    return this.#state().nWaiting;
  }

  get broken(): boolean {
    return this.#state().broken;
  }

  #state(): BarrierSnapshot {
    return (this.#replica === null ? callLocalSync(this.#handle, 'state', []) : this.#replica.value) as BarrierSnapshot;
  }

  async wait(options: WaitOptions = {}): Promise<number> {
    const { timeoutMs, signal } = waitArgs(options);
    const defaultMs = this.#handle.spec.params[1] as number | undefined;
    if (this.#actionLoading !== null) await this.#actionLoading;
    const arrived = (await callObject(this.#handle, 'wait', [timeoutMs ?? defaultMs], signal)) as { index: number; action?: true };
    if (arrived.action !== true) return arrived.index;
    try {
      await this.#action?.();
    } catch (error) {
      await callObject(this.#handle, 'actionDone', [false]).catch(() => undefined); // broken before this rejects
      throw error;
    }
    await callObject(this.#handle, 'actionDone', [true]);
    return arrived.index;
  }

  waitSync(): number {
    throw syncRefused('Barrier.waitSync()', 'await barrier.wait()');
  }

  reset(): void {
    fireAndForget(this.#handle, 'reset', []);
  }

  abort(): void {
    fireAndForget(this.#handle, 'abort', []);
  }

  [kReduce]() {
    const action =
      this.#action === undefined ? null : (this.#actionRef ?? referenceTarget(this.#action, 'Barrier action', 'a child process'));
    return reduceHandle({ ...this.#handle, action, state: this.#state() });
  }

  toString(): string {
    const { broken, nWaiting } = this.#state();
    return `<Barrier(parties=${this.parties}, waiting=${nWaiting}${broken ? ', broken' : ''}; portable, served by process ${this.#handle.pid})>`;
  }
}

/** A new portable Barrier (its arguments checked by the caller). */
export function portableBarrier<T extends object>(
  target: Class,
  parties: number,
  timeoutMs: number | undefined,
  action: Action | undefined,
): T {
  const handle: BarrierHandle = newHandle('Barrier', [parties, timeoutMs]);
  return adopt(new PortableBarrier(handle, action), PortableBarrier, target) as T;
}
