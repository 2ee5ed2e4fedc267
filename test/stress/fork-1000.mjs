#!/usr/bin/env node
// Stress (by hand, not part of npm test): N forks in a row through multiproc/os fork(), each
// child doing a little JS work (allocation, a timer, a promise) before it ends one of several
// ways; the parent keeps allocating between forks. Any child not reaped within 10 s counts as a
// hang (and is SIGKILLed), any child ended by a signal as a crash.
// Run: npm run build && node --single-threaded test/stress/fork-1000.mjs [count=1000]
import { fork, getpid, waitpid } from 'multiproc/os';

const count = Number(process.argv[2] ?? 1000);
const keep = Array.from({ length: 200_000 }, (_, i) => ({ i, text: `item ${i}` })); // ~ tens of MB of live heap
let hangs = 0;
let crashes = 0;
let wrong = 0;
let child = false;
const started = performance.now();

for (let i = 0; i < count; i++) {
  const expected = i % 3 === 0 ? 0 : i % 200;
  const pid = fork();
  if (pid === 0) {
    child = true;
    const garbage = Array.from({ length: 5_000 }, (_, j) => ({ j, s: `${getpid()}:${j}` }));
    setTimeout(() => {
      void Promise.resolve(garbage.length).then(() => {
        if (expected !== 0) process.exit(expected); // else: the loop ends, exit code 0
      });
    }, 0);
    break;
  }
  keep[i % keep.length] = { i, text: `replaced ${i}`, more: new Array(32).fill(i) };
  let timer;
  const status = await Promise.race([waitpid(pid), new Promise((resolve) => (timer = setTimeout(resolve, 10_000, 'hang')))]);
  clearTimeout(timer);
  if (status === 'hang') {
    hangs++;
    const state = await import('node:fs').then((fs) => {
      try {
        const wchan = fs.readFileSync(`/proc/${pid}/wchan`, 'utf8');
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[0];
        const threads = fs.readdirSync(`/proc/${pid}/task`).length;
        return `state ${stat}, wchan ${wchan}, ${threads} thread(s)`;
      } catch (error) {
        return String(error);
      }
    });
    console.error(`fork ${i}: child ${pid} not reaped after 10 s: ${state}`);
    if (process.env.STRESS_KEEP_HUNG === '1') await new Promise((resolve) => setTimeout(resolve, 600_000));
    process.kill(pid, 'SIGKILL');
    await waitpid(pid);
  } else if (status.signal !== null) {
    crashes++;
    console.error(`fork ${i}: child ${pid} died of ${status.signal}`);
  } else if (status.exitCode !== expected) {
    wrong++;
    console.error(`fork ${i}: child ${pid} exited with ${status.exitCode}, expected ${expected}`);
  }
}

if (!child) {
  const seconds = (performance.now() - started) / 1000;
  const rssMb = Math.round(process.memoryUsage().rss / 2 ** 20);
  console.log(
    JSON.stringify({ forks: count, hangs, crashes, wrongExitCodes: wrong, seconds: Number(seconds.toFixed(1)), parentRssMb: rssMb }),
  );
  process.exitCode = hangs + crashes + wrong === 0 ? 0 : 1;
}
