// Type tests for Pool's generics: checked by `tsc --noEmit` (the @ts-expect-error lines must
// stay errors); at run time the calls are never made.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Pool } from '../../src/index.ts';
import { add, square } from '../fixtures/pool/tasks.ts';

async function typed(pool: Pool): Promise<void> {
  const five: number = await pool.apply(add, [2, 3]);
  const squares: number[] = await pool.map(square, [1, 2, 3]);
  const sums: number[] = await pool.starmap(add, [[1, 2]]);
  for await (const value of pool.imap(square, [1])) {
    const n: number = value;
    void n;
  }
  // @ts-expect-error wrong argument types for add
  await pool.apply(add, ['a', 'b']);
  // @ts-expect-error square takes numbers
  await pool.map(square, ['x']);
  // @ts-expect-error the result is a number, not a string
  const wrong: string = await pool.apply(square, [1]);
  void [five, squares, sums, wrong];
}

it('Pool generics type-check (see tsc)', () => {
  assert.equal(typeof typed, 'function');
});
