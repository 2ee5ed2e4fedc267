// The child side of the child_process-like options: the environment replaced, stdin on
// /dev/null, stdout/stderr moved onto the pipes (or /dev/null) the parent prepared. Used by the
// fork and fork-server children; a spawned child gets its stdio from child_process, and its environment from both.
import { openSync } from 'node:fs';
import type { NativeBinding } from '../native/types.ts';
import { stdinFromDevNull } from '../os/std-input.ts';
import type { StdioOption } from '../process-options.ts';

/** Make process.env exactly `env` (also the C environment, which programs this child starts inherit). */
export function applyEnv(env: Record<string, string> | null): void {
  if (env === null) return;
  for (const key of Object.keys(process.env)) {
    if (!Object.hasOwn(env, key)) delete process.env[key];
  }
  Object.assign(process.env, env);
}

/**
 * Reopen fd 0 on /dev/null (process.stdin a fresh stream over it), as Python's multiprocessing
 * and a spawned child do (src/os/std-input.ts); point fd 1 and 2 where `stdio` says: for 'pipe',
 * onto `pipeFds` (the write ends of the parent's pipes, closed here once moved); for 'ignore',
 * onto /dev/null. Node's stdout/stderr objects write to fd 1 and 2 by number, so they follow.
 */
export function applyStdio(native: NativeBinding, stdio: StdioOption, pipeFds: readonly number[]): void {
  stdinFromDevNull(native);
  if (stdio === 'inherit') return;
  const sources = stdio === 'pipe' ? pipeFds : [openSync('/dev/null', 'w')];
  native.dup2(sources[0] as number, 1);
  native.dup2(sources[sources.length - 1] as number, 2);
  for (const fd of new Set(sources)) native.close(fd);
}
