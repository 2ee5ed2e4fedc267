// What the soak's children run: exported functions (spawn and forkserver children import them
// by reference), no top-level side effects.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getContext, type Connection, type Lock, type StartMethod, type Value } from '../../src/index.ts';

/** Never settles, and keeps the process alive until it is killed. */
function forever(): Promise<never> {
  setInterval(() => undefined, 1 << 30);
  return new Promise<never>(() => undefined);
}

/** A start→join cycle's child: under the lock, add 1 to the value; send what it holds; close the end. */
export async function useShared(conn: Connection, value: Value<'i32'>, lock: Lock): Promise<void> {
  await lock.acquire();
  try {
    value.value += 1;
  } finally {
    lock.release();
  }
  await conn.send({ pid: process.pid, value: value.value });
  conn.close();
}

/** A pool task that takes about 2 ms (a synchronous sleep), so a map is long enough to be cut. */
export function sleepSquare(x: number): number {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
  return x * x;
}

/** Takes the lock, says so, and holds it until killed. */
export async function holdLock(lock: Lock, conn: Connection): Promise<void> {
  lock.acquireSync();
  await conn.send('held');
  return forever();
}

/** Says it is about to wait, waits for the lock, and reports how the acquire ended and when. */
export async function awaitLock(lock: Lock, conn: Connection): Promise<void> {
  await conn.send('waiting');
  await conn.send(await acquireOutcome(lock));
  conn.close();
}

/** How an acquire of a lock whose holder is about to be killed ended (the lock is released after). */
export async function acquireOutcome(lock: Lock): Promise<{ outcome: string; at: number; pid?: number; message?: string }> {
  try {
    const ok = await lock.acquire({ timeoutMs: 20_000 });
    const at = Date.now();
    if (!ok) return { outcome: 'timeout', at };
    lock.release();
    return { outcome: 'acquired', at };
  } catch (error) {
    const at = Date.now();
    const { name, pid, message } = error as { name: string; pid?: number; message: string };
    if (name !== 'OwnerDiedError') return { outcome: name, at, message };
    lock.release();
    return pid === undefined ? { outcome: name, at } : { outcome: name, at, pid };
  }
}

/** Writes `dir/<pid>` (how the soak knows this process is up). */
export function announce(dir: string): void {
  writeFileSync(join(dir, String(process.pid)), '');
}

/** A leaf of a process tree: announces itself, then lives until killed. */
export async function leaf(dir: string): Promise<void> {
  announce(dir);
  return forever();
}

/** A branch of a process tree: starts one leaf under each method, announces itself, lives until killed. */
export async function branch(dir: string, methods: StartMethod[]): Promise<void> {
  for (const method of methods) new (getContext(method).Process)({ target: leaf, args: [dir] }).start();
  announce(dir);
  return forever();
}

/** A pool task of the Ctrl+C scenario: announces its worker, then runs until the worker is ended. */
export async function busyTask(dir: string): Promise<number> {
  announce(dir);
  return forever();
}

/** Does nothing (a first child that starts a method's long-lived helpers, as the fork server). */
export function nothing(): void {}
