// The process's authkey (Python's current_process().authkey): 32 random bytes made on first use
// in the main process; a child has the authkey its Process object had when it was started (by
// default its parent's), under every start method. A TCP Listener or Client without an authkey
// of its own uses it, so a parent and its children authenticate to each other with no setup.
import { globalState } from './state.ts';

/** Bytes in a generated authkey (as Python's os.urandom(32)). */
export const AUTHKEY_BYTES = 32;

/** This process's authkey (made on first use in the main process). Do not modify the returned Buffer. */
export function currentAuthkey(): Buffer {
  const state = globalState();
  // node:crypto loaded here, not at import: a spawned child (which gets its authkey from its
  // parent) would otherwise load it for nothing, a few ms of its start.
  state.authkey ??= process.getBuiltinModule('node:crypto').randomBytes(AUTHKEY_BYTES);
  return state.authkey;
}

/** Replace this process's authkey (currentProcess().authkey = …). */
export function setCurrentAuthkey(authkey: Buffer): void {
  globalState().authkey = Buffer.from(authkey);
}
