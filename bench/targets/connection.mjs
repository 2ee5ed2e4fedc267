// multiproc targets for the Pipe rows (written against the public Connection API, README.md).

/** Sends every received object back until the other end closes. */
export async function echo(conn) {
  for await (const msg of conn) await conn.send(msg);
}

/**
 * Receives { count, mode } then `count` messages (by recvBytes when mode is 'bytes', into one
 * reused buffer by recvBytesInto when mode is 'into', by recv otherwise) and answers true;
 * repeats until the other end closes.
 */
export async function sink(conn) {
  let into;
  for (;;) {
    let header;
    try {
      header = await conn.recv();
    } catch {
      return; // the other end closed
    }
    if (header.mode === 'into') into ??= new Uint8Array(1 << 20);
    for (let i = 0; i < header.count; i++) {
      if (header.mode === 'bytes') await conn.recvBytes();
      else if (header.mode === 'into') await conn.recvBytesInto(into);
      else await conn.recv();
    }
    await conn.send(true);
  }
}

/**
 * Holds a RawArray (a Uint8Array over shared memory) passed by the parent; on each { value },
 * checks one byte per 4 KiB page of the whole array against it and answers how many matched.
 */
export async function sharedReader(array, conn) {
  for await (const { value } of conn) {
    let matched = 0;
    for (let i = 0; i < array.length; i += 4096) if (array[i] === value) matched++;
    await conn.send(matched);
  }
}

/** Connects to a Listener at `address` and sends every received object back until it closes (bench group listener-rtt). */
export async function clientEcho(address, authkey) {
  const { Client } = await import('../../dist/index.js');
  const conn = await Client(address, { authkey });
  for await (const msg of conn) await conn.send(msg);
  conn.close();
}

/**
 * On each count `n` received on `ctrl`: `n` times connect to `address` (authenticating with
 * `authkey`), receive one message, close (bench group listener-connect). Ends when `ctrl` closes.
 */
export async function connectLoop(address, authkey, ctrl) {
  const { Client } = await import('../../dist/index.js');
  for await (const n of ctrl) {
    for (let i = 0; i < n; i++) {
      const conn = await Client(address, { authkey });
      await conn.recv();
      conn.close();
    }
  }
}

/** echo, on a connection told never to spin before a receive sleeps (an internal switch, for the pipe-server rows). */
export async function echoNoSpin(conn) {
  conn[Symbol.for('multiproc.connection.neverSpin')]?.();
  for await (const msg of conn) await conn.send(msg);
}
