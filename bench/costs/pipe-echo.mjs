// The child of pipe.mjs: echoes on its end of the Pipe until the other end closes.
export async function echo(end) {
  for await (const message of end) await end.send(message);
  end.close();
}
