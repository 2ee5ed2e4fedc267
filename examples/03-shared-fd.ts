// The seed's example 3: a file opened before fork() is one open file shared by parent and child,
// offset included: the child writes a line, then the parent writes after it instead of over it.
// Run: npx multiproc run examples/03-shared-fd.ts [file]   (default: a file in the temp directory)
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fork, getpid, wait } from 'multiproc/os';

const file = process.argv[2] ?? path.join(tmpdir(), `multiproc-03-shared-fd-${process.pid}.txt`);
const fd = openSync(file, 'w'); // before fork(): parent and child share it and its offset

async function main(): Promise<void> {
  const pid = fork();
  if (pid === 0) {
    writeSync(fd, `child ${getpid()} wrote this line\n`);
    closeSync(fd); // closes the child's descriptor only
    return;
  }
  await wait();
  writeSync(fd, `parent ${getpid()} wrote this line, after the child's\n`);
  closeSync(fd);
  process.stdout.write(readFileSync(file, 'utf8'));
  if (process.argv[2] === undefined) rmSync(file);
}

void main();
