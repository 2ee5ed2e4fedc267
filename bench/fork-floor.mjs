// The floor under the `fork` and `forkserver` rows: fork() of this bare Node process through the
// addon (its MADV_DOFORK walk and condvar scan included), the child _exit(0) at once, waitpid.
// No JavaScript runs in the child. Run with: node --single-threaded bench/fork-floor.mjs [count]
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const native = createRequire(import.meta.url)(fileURLToPath(new URL('../build/Release/multiproc.node', import.meta.url)));
const count = Number(process.argv[2] ?? 40);
const times = [];
for (let i = 0; i < count; i++) {
  const t0 = process.hrtime.bigint();
  const pid = native.fork();
  if (pid === 0) native.exit(0);
  native.waitpid(pid, false);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
times.sort((a, b) => a - b);
const rss = Math.round(process.memoryUsage().rss / 1e6);
console.log(
  `fork()+_exit+waitpid of a bare node (RSS ${rss} MB), ${count} times: median ${times[count >> 1].toFixed(2)} ms, min ${times[0].toFixed(2)} ms, max ${times[count - 1].toFixed(2)} ms`,
);
