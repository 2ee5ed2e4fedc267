// Example 8: Pool, as Python's `with Pool(2) as pool: pool.map(square, range(10))`.
// Run: npx tsx examples/08-pool.ts
import { isMain, Pool } from 'multiproc';

/** The task: exported, so spawned and fork-server workers can import it (under fork any function works). */
export function square(x: number): number {
  return x * x;
}

/** A task that fails for one input: its error is re-thrown in the parent as the same type. */
export function checked(x: number): number {
  if (x === 3) throw new RangeError(`3 is not allowed`);
  return x;
}

async function main(): Promise<void> {
  await using pool = new Pool({ processes: 2 });
  console.log(
    await pool.map(
      square,
      Array.from({ length: 10 }, (_, i) => i),
    ),
  );
  console.log(await pool.apply(square, [12]));
  for await (const value of pool.imapUnordered(square, [1, 2, 3])) console.log('as it comes:', value);
  try {
    await pool.map(checked, [1, 2, 3, 4]);
  } catch (error) {
    console.log(`${(error as Error).name}: ${(error as Error).message}`);
  }
}

// The guard: workers import this module to find the tasks; only the main script makes a Pool.
// (No top-level await: a fork-server worker may load this file as CommonJS under tsx.)
if (isMain(import.meta)) void main();
