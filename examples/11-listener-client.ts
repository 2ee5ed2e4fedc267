// Two unrelated processes find each other by address and authenticate with a shared key
// (Python's multiprocessing.connection Listener and Client).
// Run in two terminals:
//   MULTIPROC_KEY=s3cret npx tsx examples/11-listener-client.ts server        (prints its port)
//   MULTIPROC_KEY=s3cret npx tsx examples/11-listener-client.ts client PORT
// or, for a demo in one go, without arguments: the server here, a client started as a separate
// program (child_process.spawn: it shares nothing with the server but the key).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AuthenticationError, Client, isMain, Listener, type Connection } from 'multiproc';

const authkey = process.env['MULTIPROC_KEY'] ?? 'demo key, use your own';

/** Serves requests until a client says 'shutdown'. */
async function serve(listener: Listener): Promise<void> {
  const [host, port] = listener.address as [string, number];
  console.log(`server: listening on ${host}:${port}`);
  for await (const connection of listener) {
    // Peers with the wrong key never get here: iteration skips them (accept() would reject).
    if (await handle(connection)) break;
  }
  listener.close();
  console.log('server: closed');
}

/** One client's requests; true when it asked the server to shut down. */
async function handle(connection: Connection): Promise<boolean> {
  for await (const request of connection) {
    const { op, values } = request as { op: string; values: number[] };
    if (op === 'shutdown') return true;
    if (op === 'sum') await connection.send({ sum: values.reduce((a, b) => a + b, 0), at: new Date() });
  }
  return false; // the client closed its end
}

async function client(port: number): Promise<void> {
  try {
    await Client(['127.0.0.1', port], { authkey: 'a guess' });
  } catch (error) {
    if (!(error instanceof AuthenticationError)) throw error;
    console.log(`client: a wrong key is refused (${error.name})`);
  }
  const connection = await Client(['127.0.0.1', port], { authkey });
  await connection.send({ op: 'sum', values: [1, 2, 3] });
  const { sum } = await connection.recv<{ sum: number; at: Date }>();
  console.log(`client: the server says 1 + 2 + 3 = ${sum}`);
  await connection.send({ op: 'shutdown' });
  connection.close();
}

if (isMain(import.meta)) {
  const [mode, port] = process.argv.slice(2);
  if (mode === 'client') await client(Number(port));
  else if (mode === 'server') await serve(new Listener({ address: ['127.0.0.1', Number(port ?? 0)], authkey }));
  else {
    const listener = new Listener({ address: ['127.0.0.1', 0], authkey });
    const script = fileURLToPath(import.meta.url);
    const other = spawn(process.execPath, [...process.execArgv, script, 'client', String((listener.address as [string, number])[1])], {
      stdio: 'inherit',
      env: { ...process.env, MULTIPROC_KEY: authkey },
    });
    await serve(listener);
    await new Promise((resolve) => other.once('exit', resolve));
  }
}
