// Internals stay out of the root export (issue 17, Node conventions): what a user can reach is
// made through the checked factories, never constructed around them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as api from '../../src/index.ts';
import { getContext, Pipe } from '../../src/index.ts';
import { square } from '../fixtures/pool/tasks.ts';
import { testedMethods } from '../helpers.ts';

describe('internals are not public', () => {
  it('the root export has no poolWorker, Context or ParentProcess value, in the sources and the build', async () => {
    const built = (await import('multiproc')) as Record<string, unknown>;
    for (const exports of [api as Record<string, unknown>, built]) {
      for (const name of ['poolWorker', 'Context', 'ParentProcess', 'registerSharedLockFactory'])
        assert.equal(name in exports, false, name);
    }
  });

  it('Context, Connection and ParentProcess cannot be constructed around their factories', () => {
    const ctx = getContext(testedMethods()[0]);
    const ContextClass = ctx.constructor as new (method: string) => unknown;
    assert.throws(() => new ContextClass('fork'), { name: 'TypeError', message: /Contexts come from getContext\(method\)/ });
    const [a, b] = Pipe();
    try {
      assert.throws(() => new (a.constructor as new (fd: number, o: object) => unknown)(a.fileno(), {}), {
        name: 'TypeError',
        message: /Connections come from Pipe\(\), Client\(address\) or Listener\.accept\(\)/,
      });
      assert.throws(() => new (api.Connection as unknown as new (fd: number, o: object) => unknown)(b.fileno(), {}), TypeError);
      assert.equal(a instanceof api.Connection, true, 'still usable with instanceof');
    } finally {
      a.close();
      b.close();
    }
  });

  it('a Pool still starts its workers from the built package under every start method', async () => {
    const built = (await import('multiproc')) as unknown as typeof api;
    for (const method of testedMethods()) {
      await using pool = new built.Pool({ processes: 1, context: method });
      assert.deepEqual(await pool.map(square, [1, 2, 3]), [1, 4, 9], method);
    }
  });
});
