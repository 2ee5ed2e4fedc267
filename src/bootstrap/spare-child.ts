// The fork server's warm spare: a child forked ahead of the next start request, which has already
// done what every fork-server child does before it knows its Process (the fork itself, the server's
// handles let go, the forked-child reset of src/os/child.ts: about half of a child's page faults and
// CPU time). A start request that finds a spare ready is forwarded to it instead of forking: the
// start→join of the next Process no longer waits for the fork and that reset.
//
// When: decided by src/bootstrap/spare-policy.ts, learned from the starts the server serves (a
// spare after a child ends soon after a start, kept for a few intervals between starts), and
// dropped as soon as the server imported a module after forking it (its children must inherit
// every module the server has: a stale spare is dropped and the request forked as before). The
// server's side is src/bootstrap/server-spare.ts; this file is the exchange between the two.
import type { NativeBinding } from '../native/types.ts';
import { decodeObject, encodeObject, expectForkRequest, FrameDecoder, type ForkRequest } from '../wire/protocol.ts';

/** The server's side of a spare: its pid, the server's end of its socket, the module generation it was forked at. */
export interface Spare {
  pid: number;
  fd: number;
  generation: number;
}

/**
 * In the server: forward a start request (its frame and fds) to `spare`, which then becomes that
 * Process. False when the spare is gone (it died, or the socket failed): fork as usual then.
 * The server's end of the spare's socket is closed either way.
 */
export function handToSpare(native: NativeBinding, spare: Spare, request: ForkRequest, fds: number[]): boolean {
  try {
    const frame = encodeObject({ type: 'start', prep: request.prep, fdCount: fds.length });
    let offset = 0;
    while (offset < frame.length) offset += native.sendFds(spare.fd, frame.subarray(offset), offset === 0 ? fds : []);
    return true;
  } catch {
    return false;
  } finally {
    native.close(spare.fd);
  }
}

/**
 * In a spare: wait for the start request the server forwards, then `run` it with the fds that came
 * with it. The end of the socket without a request (the server dropped this spare) ends the spare
 * with 0; a malformed one with 1 (the server wrote it: a bug).
 */
export function awaitRequest(
  native: NativeBinding,
  fd: number,
  run: (request: ForkRequest, fds: number[]) => void,
  exit: (code: number) => never,
): void {
  native.setNonBlocking(fd, true);
  const decoder = new FrameDecoder();
  const fds: number[] = [];
  const watcher = native.watchReadable(fd, () => {
    for (;;) {
      const got = native.recvFds(fd, 65_536);
      if (got === null) return;
      if (got.data.length === 0) return exit(0);
      fds.push(...got.fds);
      let request: ForkRequest;
      try {
        const [frame] = decoder.push(got.data);
        if (frame === undefined) continue;
        request = expectForkRequest(decodeObject(frame.payload)) as ForkRequest;
      } catch (error) {
        process.stderr.write(`multiproc: a fork server spare received a malformed request: ${(error as Error).message}\n`);
        return exit(1);
      }
      watcher.close();
      native.close(fd);
      return run(request, fds);
    }
  });
}
