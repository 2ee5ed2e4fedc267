// Closing BullMQ's parts (Queue, QueueEvents, Worker) safely. Each sets up its connection when it
// is created (wait for ready, then INFO) and reports a failed setup as an 'error' event on its
// connection object; close() removes that object's listeners at once, even while the setup is
// pending. A setup that then fails (the connection ended between two attempts: `connect ENOENT`)
// emits 'error' with no listener, which throws inside BullMQ's promise chain: an unhandled
// rejection. So a part is closed only once its setup has settled, its 'error' listeners (ours)
// attached until then; and a part is created only on a ready connection, so that its setup is
// one round trip, not a wait for Redis.

/** What BullMQ's Queue, QueueEvents and Worker have in common here. */
export interface BullPart {
  waitUntilReady(): Promise<unknown>;
  close(force?: boolean): Promise<void>;
}

/** Close `part` once its connection setup has settled (never while pending); errors are dropped (the part's 'error' listeners saw them). */
export async function closeSettled(part: BullPart, force = false): Promise<void> {
  await part.waitUntilReady().catch(() => undefined);
  await part.close(force).catch(() => undefined);
}

/** The connection a QueueEvents made for itself (it duplicates the one it is given), to end it when Redis is gone. */
export function ownConnectionOf(part: { opts: { connection?: unknown } }): { disconnect(): void } | undefined {
  const connection = part.opts.connection as { disconnect?: unknown } | undefined;
  return typeof connection?.disconnect === 'function' ? (connection as { disconnect(): void }) : undefined;
}
