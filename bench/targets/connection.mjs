// multiproc targets for the Pipe rows (written against shared/API.md's Connection).

/** Sends every received object back until the other end closes. */
export async function echo(conn) {
  for await (const msg of conn) await conn.send(msg);
}

/**
 * Receives { count, mode } then `count` messages (by recvBytes when mode is 'bytes', by recv
 * otherwise) and answers true; repeats until the other end closes.
 */
export async function sink(conn) {
  for (;;) {
    let header;
    try {
      header = await conn.recv();
    } catch {
      return; // the other end closed
    }
    for (let i = 0; i < header.count; i++) {
      if (header.mode === 'bytes') await conn.recvBytes();
      else await conn.recv();
    }
    await conn.send(true);
  }
}
