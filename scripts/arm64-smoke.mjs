// Run by prebuild-arm64.mjs under qemu, as smoke.mjs in a copy of the package whose only addon is
// the arm64 prebuild being tested (so ./dist resolves there, not here): fork() with the addon, a
// Pipe round trip between parent and child, the child's exit status through wait().
const { Pipe } = await import('./dist/index.js');
const { fork, getpid, wait } = await import('./dist/os.js');

const [parentEnd, childEnd] = Pipe();
const pid = fork();
if (pid === 0) {
  await childEnd.send({ arch: process.arch, pid: getpid() });
  childEnd.close();
} else {
  const message = await parentEnd.recv();
  const { exitCode } = await wait();
  if (message.arch !== 'arm64' || message.pid !== pid || exitCode !== 0)
    throw new Error(`unexpected: ${JSON.stringify({ message, pid, exitCode })}`);
  console.log(`fork() and a Pipe round trip passed (${process.arch}, child ${pid} exited with 0)`);
}
