// Cost of one Listener/Client round trip of a small object, load-independent: CPU µs per round
// trip in this process (the Listener's side) and in the child (the Client's, echoing).
// `node bench/costs/rtt.mjs [AF_UNIX|AF_INET] [--dist PATH]`; Python: bench/costs/rtt.py.
import { countCpu, distPath } from './cpu.mjs';
import { echo } from './echo.mjs';

const family = process.argv[2] === 'AF_INET' ? 'AF_INET' : 'AF_UNIX';
const n = 20_000;
const dist = distPath();
const m = await import(dist);
const authkey = family === 'AF_UNIX' ? null : 'bench key';
const listener = new m.Listener({ family, authkey });
const child = new (m.getContext('spawn').Process)({ target: echo, args: [dist, listener.address, authkey] });
child.start();
const conn = await listener.accept();
const SMALL = { id: 1, name: 'hello', values: [1, 2, 3] };
for (let i = 0; i < 2000; i++) {
  await conn.send(SMALL);
  await conn.recv();
}
const done = countCpu(child.pid);
for (let i = 0; i < n; i++) {
  await conn.send(SMALL);
  await conn.recv();
}
console.log(JSON.stringify({ row: `Listener/Client round trip (${family})`, ...done(n) }));
conn.close();
await child.join();
listener.close();
