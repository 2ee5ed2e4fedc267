// The seed's example 2: the child gets a copy of the parent's memory. `foo` is changed in the
// child only; the parent, after waiting for the child, still sees its own value.
// Run: npx multiproc run examples/02-copied-memory.ts
import { fork, wait } from 'multiproc/os';

let foo = 'set by the parent before fork()';

async function main(): Promise<void> {
  const pid = fork();
  if (pid === 0) {
    foo = 'changed by the child';
    console.log(`child: foo = ${foo}`);
    return;
  }
  await wait();
  console.log(`parent: foo = ${foo}`);
}

void main();
