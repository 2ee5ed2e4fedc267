// Shareable objects inside values sent through channels (src/connection/handles.ts, src/queues/
// items.ts, the Pool's arguments): under every start method, one child receives one of every
// shareable type over a Connection and uses each (the parent sees the effects: the same lock,
// memory, queue …), and takes a SharedMemory and class instances from a Queue; a Pool worker gets
// the same bag as task arguments; a net.Server and a net.Socket are handed to a child. What a
// channel cannot carry is refused at the sender with the path to it.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  getContext,
  JoinableQueue,
  Lock,
  Pipe,
  Queue,
  RawArray,
  RLock,
  Semaphore,
  SerializationError,
  SharedArray,
  SharedMemory,
  SimpleQueue,
  Value,
  type Connection,
} from '../../src/index.ts';
import {
  makeHidden,
  makePoint,
  Money,
  Point,
  readFrom,
  receiveAll,
  serveArguments,
  serveHandles,
  useAllInPool,
  type Bag,
  type QueueItem,
} from '../fixtures/shareables.ts';
import { testedMethods, track } from '../helpers.ts';

// A bag whose locks the caller holds; `release()` frees what the bag owns here.
async function makeBag(): Promise<{ bag: Bag; mine: Connection; release: () => void }> {
  const [mine, theirs] = Pipe();
  const bag: Bag = {
    lock: new Lock(),
    rlock: new RLock(),
    sem: new Semaphore(0),
    bsem: new BoundedSemaphore(1),
    event: new Event(),
    cond: new Condition(),
    barrier: new Barrier(2),
    shm: new SharedMemory({ create: true, size: 16 }),
    value: new Value('i', 0),
    sarr: new SharedArray('d', 2),
    raw: RawArray('i', 2),
    queue: new Queue<string>(),
    simple: new SimpleQueue<string>(),
    joinable: new JoinableQueue<string>(),
    conn: theirs,
    point: new Point(3, 4),
    money: new Money(1234),
  };
  await bag.lock.acquire();
  await bag.rlock.acquire();
  await bag.cond.acquire();
  await bag.bsem.acquire();
  const release = () => {
    mine.close();
    theirs.close();
    bag.shm.close();
    bag.shm.unlink();
  };
  return { bag, mine, release };
}

// The parent's side: the effects the other process had through each object of `bag`.
async function checkEffects(bag: Bag, mine: Connection): Promise<void> {
  assert.equal(await bag.sem.acquire({ timeoutMs: 0 }), true, 'Semaphore released there');
  assert.equal(await bag.bsem.acquire({ timeoutMs: 0 }), true, 'BoundedSemaphore released there');
  assert.equal(bag.event.isSet(), true, 'Event set there');
  assert.equal((bag.shm.buf as Uint8Array)[0], 7, 'SharedMemory written there');
  assert.equal(bag.value.value, 7, 'Value written there');
  assert.equal(bag.sarr.array[1], 7.5, 'SharedArray written there');
  assert.equal(bag.raw[1], 7, 'RawArray written there');
  assert.equal(await bag.queue.get({ timeoutMs: 20_000 }), 'q');
  assert.equal(await bag.simple.get({ timeoutMs: 20_000 }), 's');
  assert.equal(await bag.joinable.get({ timeoutMs: 20_000 }), 'j');
  assert.equal(await mine.recv({ timeoutMs: 20_000 }), 'c', 'the Connection sent there arrives here');
}

const everyType = {
  lockHeldElsewhere: true,
  rlockHeldElsewhere: true,
  condHeldElsewhere: true,
  point: true,
  money: true,
  rawIsInt32: true,
  barrier: true,
};

// A listening server (its port), and a connected socket: this process's end of a TCP connection
// to a second server (`talker`), whose client side reads what the socket's holder writes.
async function serverAndSocket(): Promise<{ server: Server; port: number; talker: Server; socket: Socket; clientText: Promise<string> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const talker = createServer();
  await new Promise<void>((resolve) => talker.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<Socket>((resolve) => talker.once('connection', resolve));
  const clientText = readFrom((talker.address() as { port: number }).port);
  return { server, port, talker, socket: await accepted, clientText };
}

describe('Shareables refused at the sender', () => {
  it('a Queue refuses what needs a file descriptor, naming its path; SharedMemory goes by name', async () => {
    const q = new Queue<unknown>();
    const [a, b] = Pipe();
    const shm = new SharedMemory({ create: true, size: 8 });
    try {
      for (const [item, path] of [
        [{ lock: new Lock() }, 'item.lock'],
        [{ deep: [{ queue: new Queue() }] }, 'item.deep[0].queue'],
        [{ conn: a }, 'item.conn'],
        [{ v: new Value('i', 1) }, 'item.v'],
        [{ raw: RawArray('d', 2) }, 'item.raw'],
        [new Event(), 'item'],
      ] as const) {
        assert.throws(
          () => q.put(item),
          (error: SerializationError) => {
            assert.ok(error instanceof SerializationError);
            assert.equal(error.path, path);
            assert.match(
              error.message,
              /carries no file descriptors: pass it to the consuming Process as an argument, or send it over a Connection/,
            );
            return true;
          },
        );
        assert.throws(() => q.putNowait(item), { name: 'SerializationError', path });
      }
      assert.equal(q.qsize(), 0, 'nothing refused was queued');
      shm.buf[3] = 9;
      await q.put({ shm });
      const got = (await q.get()) as { shm: SharedMemory };
      assert.equal(got.shm.buf[3], 9);
      got.shm.close();
    } finally {
      a.close();
      b.close();
      shm.close();
      shm.unlink();
    }
  });

  it('a one-way Pipe (an OS pipe) refuses shareables at the send; what was sent before and after arrives', async () => {
    const [r, w] = Pipe(false);
    await w.send('before');
    assert.throws(
      () => w.send({ lock: new Lock() }),
      (error: SerializationError) => {
        assert.ok(error instanceof SerializationError);
        assert.match(error.message, /one-way Pipe .* cannot carry: nothing was sent\. Use a duplex Pipe\(\)/);
        return true;
      },
    );
    await w.send('after');
    assert.equal(await r.recv(), 'before');
    assert.equal(await r.recv(), 'after');
    r.close();
    w.close();
  });

  it('a one-way Pipe refuses shareables at the call even while earlier bytes are still being written', async () => {
    const [r, w] = Pipe(false);
    const big = w.sendBytes(Buffer.alloc(1 << 20, 7)); // more than an OS pipe holds: written as it is read
    assert.throws(() => w.send({ lock: new Lock() }), { name: 'SerializationError', path: 'value' });
    assert.equal((await r.recvBytes()).length, 1 << 20);
    await big;
    r.close();
    w.close();
  });

  it('an instance of a class the receiver cannot import is refused; exported and registered classes arrive as instances', async () => {
    const [a, b] = Pipe();
    class Local {
      x = 1;
    }
    assert.throws(
      () => a.send({ p: new Local() }),
      (error: SerializationError) => {
        assert.equal(error.path, 'value.p');
        assert.match(error.message, /an instance of class `Local` cannot be sent .* registerClass\(Local\)/);
        return true;
      },
    );
    assert.throws(() => new Queue().put([new Local()]), { name: 'SerializationError', path: 'item[0]' });
    await a.send({ p: new Point(3, 4), m: new Money(5), list: [new Point(0, 1)] });
    const got = await b.recv<{ p: Point; m: Money; list: Point[] }>();
    assert.ok(got.p instanceof Point && got.p.norm() === 5);
    assert.ok(got.m instanceof Money && got.m.cents === 5);
    assert.ok(got.list[0] instanceof Point);
    a.close();
    b.close();
  });
});

for (const method of testedMethods()) {
  const ctx = getContext(method);

  describe(`Shareables through channels (${method})`, () => {
    it('a child gets every shareable type over a Connection, and SharedMemory and class instances from a Queue', async () => {
      const { bag, mine, release } = await makeBag();
      const [parentEnd, childEnd] = Pipe();
      const queue = new Queue<QueueItem>();
      const child = track(new ctx.Process({ target: receiveAll, args: [childEnd, queue] }));
      child.start();
      childEnd.close();
      try {
        await parentEnd.send(bag);
        const shm = new SharedMemory({ create: true, size: 8 });
        shm.buf[0] = 42;
        await queue.put({ shm, point: new Point(3, 4), money: new Money(1234) });
        const waited = bag.barrier.wait({ timeoutMs: 20_000 });
        const report = await parentEnd.recv<{ fromConnection: Record<string, boolean>; fromQueue: Record<string, boolean> }>({
          timeoutMs: 30_000,
        });
        assert.deepEqual(report.fromConnection, everyType);
        assert.deepEqual(report.fromQueue, { shm: true, point: true, money: true });
        assert.ok((await waited) >= 0);
        await checkEffects(bag, mine);
        shm.close();
        shm.unlink();
        await child.join();
        assert.equal(child.exitCode, 0);
      } finally {
        parentEnd.close();
        release();
      }
    });

    it('a Pool worker gets every shareable type as task arguments; an unsendable argument is named by its path', async () => {
      await using pool = new ctx.Pool({ processes: 1 });
      const { bag, mine, release } = await makeBag();
      try {
        const waited = bag.barrier.wait({ timeoutMs: 20_000 });
        assert.deepEqual(await pool.apply(useAllInPool, [bag]), everyType);
        assert.ok((await waited) >= 0);
        await checkEffects(bag, mine);
        class Local {
          x = 1;
        }
        await assert.rejects(pool.apply(useAllInPool, [{ nested: new Local() } as never]), {
          name: 'SerializationError',
          path: 'args[0].nested',
        });
        await assert.rejects(pool.map(useAllInPool, [1, () => 2] as never), { name: 'SerializationError', path: 'items[1]' });
        const point = await pool.apply(makePoint, [3, 4]);
        assert.ok(point instanceof Point && point.norm() === 5, 'a result of an exported class arrives as an instance');
        await assert.rejects(pool.apply(makeHidden, []), (error: Error & { path?: string }) => {
          assert.equal(error.name, 'SerializationError');
          assert.match(error.message, /class `Hidden`/);
          return true;
        });
      } finally {
        release();
      }
    });

    it('hands a listening net.Server and a connected net.Socket to a child', async () => {
      const { server, port, talker, socket, clientText } = await serverAndSocket();
      const [parentEnd, childEnd] = Pipe();
      const child = track(new ctx.Process({ target: serveHandles, args: [childEnd] }));
      child.start();
      childEnd.close();
      try {
        await parentEnd.send({ server, socket });
        socket.destroy(); // this process's copy only: the child's end stays connected
        server.close(); // this process stops accepting; the child's copy listens on
        assert.equal(await parentEnd.recv({ timeoutMs: 20_000 }), 'ready');
        assert.match(await clientText, /^child \d+\n$/);
        assert.equal(await readFrom(port), 'served by the child\n');
        await parentEnd.send('done');
        await child.join();
        assert.equal(child.exitCode, 0);
      } finally {
        parentEnd.close();
        talker.close();
        server.close();
      }
    });

    it(
      'a net.Server and a net.Socket given as Process arguments: the child serves a client that connected before it listened',
      { timeout: 120_000 },
      async () => {
        const { server, port, talker, socket, clientText } = await serverAndSocket();
        const child = track(new ctx.Process({ target: serveArguments, args: [server, socket] }));
        try {
          child.start();
          // This process lets go of its copies at once: the client below connects while the child
          // is still starting (before its target listens), and the child's copy must take it.
          server.close();
          socket.destroy();
          assert.equal(await readFrom(port), 'served by the child\n');
          assert.match(await clientText, /^child \d+\n$/);
          await child.join();
          assert.equal(child.exitCode, 0);
        } finally {
          talker.close();
          server.close();
        }
      },
    );
  });
}
