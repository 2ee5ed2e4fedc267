// Three processes on the machine's CPUs: one manager serving two children that each make `n`
// dict set + get pairs at once (the case where a spinning server or client could take the CPU
// another needs). Prints the operations per second of both together and the manager's CPU µs
// per operation. `node bench/costs/manager-many.mjs [--dist PATH]` (before/after: run both).
import { cpuMsOf, distPath } from './cpu.mjs';
import { work } from './manager-worker.mjs';

const n = 10_000;
const m = await import(distPath());
const manager = await m.Manager.start({ context: 'spawn' });
const d = await manager.dict();
const { Process } = m.getContext('spawn');
const children = [];
for (const key of ['a', 'b']) {
  const [mine, theirs] = m.Pipe();
  const child = new Process({ target: work, args: [d, key, n, theirs] });
  child.start();
  theirs.close();
  await mine.recv();
  children.push({ child, mine });
}
const cpu0 = cpuMsOf(manager.process.pid);
const t0 = performance.now();
for (const { mine } of children) await mine.send('go');
for (const { mine } of children) await mine.recv();
const seconds = (performance.now() - t0) / 1e3;
const ops = 2 * 2 * n;
console.log(
  JSON.stringify({
    row: 'manager dict, 2 children at once',
    opsPerSecond: Math.round(ops / seconds),
    managerUsPerOp: +(((cpuMsOf(manager.process.pid) - cpu0) * 1000) / ops).toFixed(2),
  }),
);
for (const { child, mine } of children) {
  mine.close();
  await child.join();
}
await manager.shutdown();
