// The preparation message: everything a spawned or fork-server child needs to become the
// Process its parent started. Small and versioned; sent as one object frame.
import type { HandleDescriptor } from '../reduction.ts';
import type { StdioOption } from '../process-options.ts';
import type { StartMethod } from '../start-methods.ts';
import type { TargetRef } from '../target.ts';

/** Bumped on any incompatible change; a child refuses a message of another version. */
export const PREP_VERSION = 2;

/** The preparation message. Handles' fds are renumbered for the child by the launcher. */
export interface PreparationData {
  version: typeof PREP_VERSION;
  name: string;
  identity: number[];
  daemon: boolean;
  parentPid: number;
  parentName: string;
  startMethod: StartMethod;
  /** The Process subclass to rebuild (null: the base Process). */
  cls: TargetRef | null;
  /** The `target` option (null: none). */
  target: TargetRef | null;
  /** v8-serialized `{ args, this }` with handle placeholders (see reduction.ts). */
  payload: Uint8Array;
  handles: HandleDescriptor[];
  /** The parent's process.argv (the child's becomes the same, as in Python). */
  argv: string[];
  /** The directory the child works in (its Process's `cwd`, else the parent's). */
  cwd: string;
  /** The child's whole environment (the `env` option), or null to keep the one it has. */
  env: Record<string, string> | null;
  /** Where stdout/stderr go; a fork-server child moves them itself (spawn: child_process does). */
  stdio: StdioOption;
  /** The level the child logs at on stderr (the parent called logToStderr()), or null. */
  logLevel: number | null;
  /** The child's authkey (the Process object's). */
  authkey: Uint8Array;
}

/** True if `value` looks like a preparation message of this version. */
export function isPreparationData(value: unknown): value is PreparationData {
  return typeof value === 'object' && value !== null && (value as { version?: unknown }).version === PREP_VERSION;
}
