// Exchanging data: a Pipe between the parent and a child (Python's multiprocessing.Pipe).
// Run: npx tsx examples/05-pipe.ts
import { isMain, Pipe, Process, waitReady, type Connection } from 'multiproc';

/** The child: answers every question until the parent closes its end, then says how many it took. */
export async function answer(conn: Connection): Promise<void> {
  let count = 0;
  for await (const question of conn) {
    const { a, b } = question as { a: number; b: bigint };
    await conn.send({ sum: a + 1, big: b * 2n, when: new Date(0), seen: new Set([a]) });
    count++;
  }
  console.log(`child: the parent closed its end after ${count} questions`);
}

/** A child that writes raw bytes on a one-way pipe and closes it. */
export async function produce(writer: Connection): Promise<void> {
  await writer.sendBytes(new TextEncoder().encode('raw bytes, no serialization'));
  writer.close();
}

/** The main script's work (an async function, not top-level await: CommonJS projects and `multiproc run` have none). */
async function main(): Promise<void> {
  const [parentEnd, childEnd] = Pipe();
  const p = new Process({ target: answer, args: [childEnd] });
  p.start();
  childEnd.close(); // the child has its own copy; closing ours lets the child see the end of the stream

  for (let a = 0; a < 3; a++) {
    await parentEnd.send({ a, b: 10n ** 20n });
    console.log('parent got', await parentEnd.recv()); // Map, Set, Date, BigInt arrive as sent
  }
  parentEnd.close();
  await p.join();

  const [reader, writer] = Pipe(false); // one-way: [reader, writer]
  const q = new Process({ target: produce, args: [writer] });
  q.start();
  writer.close();
  const ready = await waitReady([reader, q], 10_000); // Python's multiprocessing.connection.wait
  console.log('ready:', ready.map((x) => (x === reader ? 'the pipe' : 'the process')).join(', '));
  console.log('parent got', new TextDecoder().decode(await reader.recvBytes()));
  reader.close();
  await q.join();
}

if (isMain(import.meta)) void main();
