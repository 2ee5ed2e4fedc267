// Shared memory: a RawArray and a Value that parent and children see, Atomics across processes,
// and a named SharedMemory block. Run: npx tsx examples/06-shared-memory.ts
import { isMain, Process, RawArray, SharedMemory, Value } from 'multiproc';

/** Each child squares its slice of `data` in place and counts its work in `done` (under its lock). */
export async function square(data: Float64Array, from: number, to: number, done: Value<'i32'>, hits: Int32Array): Promise<void> {
  for (let i = from; i < to; i++) data[i] = (data[i] as number) ** 2;
  const lock = done.getLock();
  await lock.acquire();
  try {
    done.value += to - from; // a read and a write: the lock makes it one step
  } finally {
    lock.release();
  }
  Atomics.add(hits, 0, 1); // no lock needed: one atomic step
}

/** Writes a greeting into a named segment it attaches to by name. */
export function greet(name: string): void {
  const shm = new SharedMemory({ name });
  shm.buf.set(new TextEncoder().encode(`hello from ${process.pid}`));
  shm.close();
}

/** The main script's work (an async function, not top-level await: CommonJS projects and `multiproc run` have none). */
async function main(): Promise<void> {
  const data = RawArray('f64', [1, 2, 3, 4, 5, 6]); // a real Float64Array over shared memory
  const done = new Value('i32', 0);
  const hits = RawArray('i32', 1);
  const children = [
    new Process({ target: square, args: [data, 0, 3, done, hits] }),
    new Process({ target: square, args: [data, 3, 6, done, hits] }),
  ];
  for (const p of children) p.start();
  await Promise.all(children.map((p) => p.join()));
  console.log('squared:', [...data], 'done:', done.value, 'children:', Atomics.load(hits, 0));

  const shm = new SharedMemory({ create: true, size: 64 }); // /dev/shm/mp-…, mode 0600
  const p = new Process({ target: greet, args: [shm.name] });
  p.start();
  await p.join();
  console.log(`${shm.name}:`, new TextDecoder().decode(shm.buf).replace(/\0+$/, ''));
  shm.close();
  shm.unlink(); // without it, the resource tracker removes the segment when this process ends
}

if (isMain(import.meta)) void main();
