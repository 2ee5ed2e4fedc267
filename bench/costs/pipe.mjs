// Cost of one Pipe round trip of a small object, load-independent: CPU µs per round trip in this
// process and in the echoing child. `node bench/costs/pipe.mjs [--dist PATH]` (with `taskset -c 0`
// for the pinned case); under `strace -f -c`, system calls per round trip are the counts / (n + 2000).
// Python: bench/costs/pipe.py.
import { countCpu, distPath } from './cpu.mjs';
import { echo } from './pipe-echo.mjs';

const n = 20_000;
const m = await import(distPath());
const [a, b] = m.Pipe();
const child = new (m.getContext('spawn').Process)({ target: echo, args: [b] });
child.start();
b.close();
const SMALL = { id: 1, name: 'hello', values: [1, 2, 3] };
for (let i = 0; i < 2000; i++) {
  await a.send(SMALL);
  await a.recv();
}
const done = countCpu(child.pid);
for (let i = 0; i < n; i++) {
  await a.send(SMALL);
  await a.recv();
}
console.log(JSON.stringify({ row: 'Pipe round trip', ...done(n) }));
a.close();
await child.join();
