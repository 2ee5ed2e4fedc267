// Shared by the Pipe tests (test/connection/pipe*.test.ts): the addon, the skip reason without
// it, and both ends of a Pipe closed at the end of a block.
import type { Connection } from '../../src/index.ts';
import { loadNative } from '../../src/native/binding.ts';

/** The native addon, or null when it is not built. */
export const native = loadNative();

/** The `skip` option of a describe that needs the addon. */
export const skip = native === null ? 'the native addon is not built' : false;

/** Both ends of a Pipe, closed at the end of the block (`using ends = closing(Pipe())`). */
export function closing(pair: [Connection, Connection]): { pair: [Connection, Connection]; [Symbol.dispose](): void } {
  return {
    pair,
    [Symbol.dispose]() {
      for (const end of pair) end.close();
    },
  };
}
