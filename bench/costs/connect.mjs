// Cost of one connection (Client, accept, authenticate on TCP, one message, close) with both
// ends in this process: CPU µs per connection. `node bench/costs/connect.mjs [AF_UNIX|AF_INET] [--dist PATH]`.
import { distPath } from './cpu.mjs';

const family = process.argv[2] === 'AF_INET' ? 'AF_INET' : 'AF_UNIX';
const n = 300;
const m = await import(distPath());
const authkey = family === 'AF_UNIX' ? null : 'bench key';
const listener = new m.Listener({ family, authkey });
const serve = async (count) => {
  for (let i = 0; i < count; i++) {
    const conn = await listener.accept();
    await conn.send(true);
    conn.close();
  }
};
const once = async (count) => {
  const served = serve(count);
  for (let i = 0; i < count; i++) {
    const conn = await m.Client(listener.address, { authkey });
    await conn.recv();
    conn.close();
  }
  await served;
};
await once(50); // warm-up
const t0 = performance.now();
const before = process.cpuUsage();
await once(n);
const used = process.cpuUsage(before);
console.log(
  JSON.stringify({
    row: `connect, one message, close (${family})`,
    perSecond: Math.round(n / ((performance.now() - t0) / 1e3)),
    cpuUsPerConnection: Math.round((used.user + used.system) / n),
  }),
);
listener.close();
