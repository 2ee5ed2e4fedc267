// Writes a process still owes others when its target returns (a Queue's putNowait backlog): a
// child awaits them before it exits (src/bootstrap/become-child.ts), as Python joins a queue's
// feeder thread at exit.
const held = new Set<Promise<unknown>>();

/** Keep `work` in the list a child awaits before exiting; returns it. */
export function holdExit<T>(work: Promise<T>): Promise<T> {
  const settled = work.then(
    () => undefined,
    () => undefined,
  );
  held.add(settled);
  void settled.then(() => held.delete(settled));
  return work;
}

/** Resolves once every held write has settled. */
export async function heldWritesDone(): Promise<void> {
  while (held.size > 0) await Promise.all([...held]);
}
