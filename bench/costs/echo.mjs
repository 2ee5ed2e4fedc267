// The child of rtt.mjs: connects to `address` with the given build and echoes until closed.
export async function echo(dist, address, authkey) {
  const { Client } = await import(dist);
  const conn = await Client(address, { authkey });
  for await (const message of conn) await conn.send(message);
  conn.close();
}
