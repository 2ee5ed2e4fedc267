// Python's lock example: without the lock, the children's lines could interleave. Each child
// holds the lock while it prints (`using` releases it at the end of the block), and the parent
// shows a holder that dies: the next acquire learns it through OwnerDiedError.
// Run: npx tsx examples/07-lock.ts
import { Event, isMain, Lock, OwnerDiedError, Process } from 'multiproc';

/** The target: print under the lock. */
export function f(lock: Lock, i: number): void {
  using _held = lock.holdSync();
  console.log('hello world', i);
}

/** A child that takes the lock and is killed while holding it. */
export async function holdAndHang(lock: Lock, held: Event): Promise<void> {
  await lock.acquire();
  held.set();
  await new Promise(() => setInterval(() => undefined, 1_000_000));
}

/** The main script's work (an async function, not top-level await: CommonJS projects and `multiproc run` have none). */
async function main(): Promise<void> {
  const lock = new Lock();
  const children = Array.from({ length: 5 }, (_, i) => new Process({ target: f, args: [lock, i] }));
  for (const child of children) child.start();
  for (const child of children) await child.join();

  const held = new Event();
  const holder = new Process({ target: holdAndHang, args: [lock, held] });
  holder.start();
  await held.wait();
  holder.kill();
  await holder.join();
  try {
    await lock.acquire();
  } catch (error) {
    if (!(error instanceof OwnerDiedError)) throw error;
    console.log(`the holder (pid ${error.pid}) died; this process holds the lock now`);
  }
  lock.release();
}

if (isMain(import.meta)) void main();
