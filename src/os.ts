// multiproc/os: the POSIX layer (the seed's examples 1-3). fork() needs a process started with
// `node --single-threaded` (`npx multiproc run FILE` does that).
export { fork } from './os/fork.ts';
export { wait, waitpid, waitSync, waitpidSync, type WaitpidOptions } from './os/wait.ts';
export { getpid, getppid, kill } from './os/ids.ts';
export type { WaitResult } from './os/status.ts';
