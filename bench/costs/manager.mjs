// Cost of one Manager dict operation (set or get, one round trip), load-independent: CPU µs per
// operation in this process and in the manager's. `node bench/costs/manager.mjs [pipe|socket] [--dist PATH]`;
// run it under `strace -f -c` for system calls per operation (divide by 2 × (n + 2000)).
import { countCpu, distPath } from './cpu.mjs';

const which = process.argv[2] === 'socket' ? 'socket' : 'pipe';
const n = 20_000;
const m = await import(distPath());
const manager = await m.Manager.start({ context: 'spawn' });
let d = await manager.dict();
let other;
if (which === 'socket') {
  other = new m.Manager({ address: manager.address }); // a connection by address, as a child has
  await other.connect();
  d = await other.dict();
}
for (let i = 0; i < 2000; i++) {
  await d.set('k', i);
  await d.get('k');
}
const done = countCpu(manager.process.pid);
for (let i = 0; i < n; i++) {
  await d.set('k', i);
  await d.get('k');
}
console.log(JSON.stringify({ row: `manager dict over ${which === 'pipe' ? 'its Pipe' : 'a unix socket'}`, ...done(2 * n) }));
await other?.shutdown();
await manager.shutdown();
