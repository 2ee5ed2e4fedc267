// One meaning of `using` per kind (README "Node conventions", docs/DECISIONS.md "Disposal closes
// what the object owns in this process"): the kinds that own nothing a scope could close have no
// dispose, so `using` on them is a type error (each @ts-expect-error below must be one, or
// `npm run typecheck` fails) and a TypeError at the declaration; the scoped acquire is hold(),
// typed on every lock kind and on a Value's and SharedArray's getLock() without a cast.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  JoinableQueue,
  Lock,
  Pipe,
  Queue,
  RawArray,
  RLock,
  Semaphore,
  SharedArray,
  SharedMemory,
  SimpleQueue,
  Value,
} from '../src/index.ts';

describe('disposal: one meaning per kind', () => {
  it('locks, semaphores, events, conditions, barriers, shared values and queues have no dispose: `using` is a TypeError', () => {
    const kinds = {
      Lock: new Lock(),
      RLock: new RLock(),
      Semaphore: new Semaphore(1),
      BoundedSemaphore: new BoundedSemaphore(1),
      Event: new Event(),
      Condition: new Condition(),
      Barrier: new Barrier(2),
      Value: new Value('i32', 0),
      SharedArray: new SharedArray('f64', 2),
      RawArray: RawArray('i32', 2),
      Queue: new Queue(),
      SimpleQueue: new SimpleQueue(),
      JoinableQueue: new JoinableQueue(),
    };
    for (const [name, object] of Object.entries(kinds)) {
      assert.equal(Symbol.dispose in object, false, name);
      assert.equal(Symbol.asyncDispose in object, false, name);
    }
    // The type checker refuses each of these declarations; at run time each is a TypeError.
    assert.throws(() => {
      // @ts-expect-error -- a Lock is not disposable
      using _ = kinds.Lock;
    }, TypeError);
    assert.throws(() => {
      // @ts-expect-error -- a Semaphore is not disposable
      using _ = kinds.Semaphore;
    }, TypeError);
    assert.throws(() => {
      // @ts-expect-error -- a Condition is not disposable
      using _ = kinds.Condition;
    }, TypeError);
    assert.throws(() => {
      // @ts-expect-error -- a Value is not disposable
      using _ = kinds.Value;
    }, TypeError);
    assert.throws(() => {
      // @ts-expect-error -- a Queue is not disposable
      using _ = kinds.Queue;
    }, TypeError);
    assert.equal(kinds.Lock.isLocked(), false);
    kinds.Queue.putNowait(1); // the failed `using` closed nothing
    assert.equal(kinds.Queue.getNowait(), 1);
  });

  it('hold() / holdSync() is the scoped acquire on every lock kind, and on getLock() without a cast', async () => {
    const exclusive = [new Lock(), new Semaphore(1), new BoundedSemaphore(1)];
    const reentrant = [new RLock(), new Condition(), new Value('i32', 0).getLock(), new SharedArray('f64', 2).getLock()];
    for (const lock of [...exclusive, ...reentrant]) {
      {
        using _held = lock.holdSync();
        if (exclusive.includes(lock as never)) assert.equal(lock.acquireSync({ timeoutMs: 0 }), false);
      }
      {
        await using _held = await lock.hold();
      }
      // Released at each scope's end: free again.
      assert.equal(lock.acquireSync({ timeoutMs: 0 }), true);
      lock.release();
    }
  });

  it('Connection and SharedMemory close what this process owns at scope end', () => {
    const [a, b] = Pipe();
    {
      using _end = a;
    }
    assert.equal(a.closed, true);
    assert.equal(b.closed, false);
    b.close();
    const shm = new SharedMemory({ create: true, size: 8 });
    {
      using _mapping = shm;
    }
    assert.throws(() => shm.buf);
    const again = new SharedMemory({ name: shm.name }); // closed, not unlinked
    again.close();
    again.unlink();
  });
});
