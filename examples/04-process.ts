// The seed's example 4: multiprocessing.Process with a target, and a Process subclass with run().
// Run: npx tsx examples/04-process.ts
import { isMain, Process } from 'multiproc';

/** The target: runs in the child. Exported, so a spawned or fork-server child can import it. */
export function f(name: string): void {
  console.log('hello', name);
}

/** The subclass form: run() is the child's work; fields travel to the child. */
export class PrintProcess extends Process {
  constructor(readonly who: string) {
    super();
  }
  override run(): void {
    console.log('hello', this.who);
  }
}

/** The main script's work (an async function, not top-level await: CommonJS projects and `multiproc run` have none). */
async function main(): Promise<void> {
  const p = new Process({ target: f, args: ['Bob'] });
  p.start();
  await p.join();

  const q = new PrintProcess('Mike');
  q.start();
  await q.join();
  console.log(`exit codes: ${p.exitCode}, ${q.exitCode} (start method: ${p.startMethod})`);
}

// The guard: a child imports this module to find f and PrintProcess; only the main script starts processes.
if (isMain(import.meta)) void main();
