// Socket pairs made by the spawn launcher for portable Connections. Without the addon a process
// cannot make a socketpair synchronously, but child_process.spawn can: an extra 'pipe' entry of
// its stdio is a connected pair whose one end becomes the child's fd and whose other end is a
// net.Socket here. A portable Pipe end sent to a child before either end was used asks for one
// (a ticket: a negative number in its handle's fds); the launcher fills it after the spawn.
import type { Socket } from 'node:net';

type Claim = (socket: Socket | null) => void;

const claims = new Map<number, Claim>();
let nextTicket = -1;

/** A ticket for a socket pair made at the spawn: `claim` gets this process's end (null: the spawn failed). */
export function requestPair(claim: Claim): number {
  const ticket = nextTicket--;
  claims.set(ticket, claim);
  return ticket;
}

/** For the spawn launcher: its stdio entry for each handle fd (a ticket becomes 'pipe'). */
export function stdioEntries(fds: number[]): (number | 'pipe')[] {
  return fds.map((fd) => (fd < 0 && claims.has(fd) ? 'pipe' : fd));
}

/** For the spawn launcher: hand out the parent's ends of the pairs (`stdio[firstFd + i]`), or null when the spawn failed. */
export function settlePairs(fds: number[], stdio: readonly unknown[] | null, firstFd: number): void {
  fds.forEach((fd, index) => {
    const claim = claims.get(fd);
    if (claim === undefined) return;
    claims.delete(fd);
    claim(stdio === null ? null : ((stdio[firstFd + index] as Socket | null) ?? null));
  });
}
