// The preparation message: everything a spawned or fork-server child needs to become the
// Process its parent started. Small and versioned; sent as one object frame.
import type { HandleDescriptor } from '../reduction.ts';
import type { StdioOption } from '../process-options.ts';
import type { ChildIdentity } from './become-child.ts';
import type { TargetRef } from '../loading/target.ts';

/** Bumped on any incompatible change; a child refuses a message of another version. */
export const PREP_VERSION = 2;

/** The preparation message: who the child is, and what it runs. Handles' fds are renumbered for the child by the launcher. */
export interface PreparationData extends ChildIdentity {
  version: typeof PREP_VERSION;
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
}

/**
 * True if `value` is a preparation message of this version, every field of its type: a child
 * uses the message as it is (its name, identity and argv before anything could catch an error),
 * so a malformed one (a bug, or bytes that are not a message) is refused here, as a whole.
 */
export function isPreparationData(value: unknown): value is PreparationData {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return (
    m['version'] === PREP_VERSION &&
    typeof m['name'] === 'string' &&
    isIntegers(m['identity']) &&
    typeof m['daemon'] === 'boolean' &&
    Number.isInteger(m['parentPid']) &&
    typeof m['parentName'] === 'string' &&
    (m['startMethod'] === 'spawn' || m['startMethod'] === 'forkserver' || m['startMethod'] === 'fork') &&
    isTargetRef(m['cls']) &&
    isTargetRef(m['target']) &&
    m['payload'] instanceof Uint8Array &&
    Array.isArray(m['handles']) &&
    m['handles'].every(
      (h: unknown) =>
        typeof h === 'object' && h !== null && typeof (h as HandleDescriptor).kind === 'string' && isIntegers((h as HandleDescriptor).fds),
    ) &&
    Array.isArray(m['argv']) &&
    m['argv'].every((arg: unknown) => typeof arg === 'string') &&
    typeof m['cwd'] === 'string' &&
    m['authkey'] instanceof Uint8Array &&
    (m['env'] === null || isStringRecord(m['env'])) &&
    (m['stdio'] === 'inherit' || m['stdio'] === 'pipe' || m['stdio'] === 'ignore') &&
    (m['logLevel'] === null || Number.isInteger(m['logLevel']))
  );
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}

function isIntegers(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((n) => Number.isInteger(n));
}

function isTargetRef(value: unknown): value is TargetRef | null {
  if (value === null) return true;
  if (typeof value !== 'object') return false;
  const ref = value as Record<string, unknown>;
  return (
    typeof ref['url'] === 'string' &&
    typeof ref['exportName'] === 'string' &&
    typeof ref['display'] === 'string' &&
    typeof ref['line'] === 'number' &&
    typeof ref['column'] === 'number'
  );
}
