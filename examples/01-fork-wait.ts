// The seed's example 1: a parent forks; the child prints its pid every second while the parent
// waits for it in wait().
// Run: npx multiproc run examples/01-fork-wait.ts [iterations]
// Without a count the child loops until Ctrl+C, which ends both (the terminal signals the whole
// process group). With a count the child stops after that many lines and the parent reports it.
import { fork, getpid, wait } from 'multiproc/os';

const iterations = process.argv[2] === undefined ? Infinity : Number(process.argv[2]);

async function main(): Promise<void> {
  const pid = fork();
  if (pid === 0) {
    // The child: its own interval keeps it alive; once cleared, its loop is empty and it ends with 0.
    let printed = 0;
    const tick = () => {
      console.log(`child ${getpid()}: still running`);
      if (++printed >= iterations) clearInterval(interval);
    };
    const interval = setInterval(tick, 1000);
    tick();
    return;
  }
  console.log(`parent ${getpid()}: forked child ${pid}, waiting for it`);
  const { exitCode, signal } = await wait();
  console.log(`parent ${getpid()}: child ${pid} ended with exit code ${exitCode}, signal ${signal}`);
}

void main();
