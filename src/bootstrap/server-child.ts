// A child of the fork server, after fork() returned 0 in it: a Process child becomes the Process of
// the request it was forked for; a spare (src/bootstrap/spare-child.ts) first waits for the
// request the server forwards. Both have left the server's part first (`leave`, which returns
// the function that ends the child).
import type { NativeBinding } from '../native/types.ts';
import { setTitle } from './become-child.ts';
import { applyStdio } from './child-options.ts';
import { isPreparationData, type PreparationData } from './preparation-message.ts';
import { runPrepared } from './run-child.ts';
import { awaitRequest } from './spare-child.ts';

/** What a child of the server calls first: lets go of the server's part; returns the child's exit. */
export type LeaveServer = () => (code: number) => never;

/** In a child forked for `prep`: become that Process. */
export function runServerChild(native: NativeBinding, leave: LeaveServer, prep: PreparationData, fds: number[]): void {
  const exit = leave();
  runRequest(native, prep, fds, exit);
}

/** In a spare: the server's part left now, the Process's once the server forwards a request over `fd`. */
export function runSpare(native: NativeBinding, leave: LeaveServer, fd: number): void {
  const exit = leave();
  setTitle('multiproc: forkserver spare');
  awaitRequest(
    native,
    fd,
    (request, fds) => {
      if (!isPreparationData(request.prep)) return exit(1); // checked by the server already
      runRequest(native, request.prep, fds, exit);
    },
    exit,
  );
}

function runRequest(native: NativeBinding, prep: PreparationData, fds: number[], exit: (code: number) => never): void {
  let next = 0;
  const handles = prep.handles.map((handle) => ({ ...handle, fds: handle.fds.map(() => fds[next++] as number) }));
  applyStdio(native, prep.stdio, fds.slice(next)); // the stdio pipes' write ends come last
  void runPrepared(prep, handles, exit);
}
