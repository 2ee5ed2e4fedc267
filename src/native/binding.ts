// The typed loader of the native addon: finds build/Release/multiproc.node from the package
// root, loads it once, and explains what it tried when it cannot.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeUnavailableError } from '../errors.ts';
import type { NativeBinding } from './types.ts';

export type { FdWatcher, NativeBinding, NativeSystemError, WaitStatus } from './types.ts';

const ADDON = path.join('build', 'Release', 'multiproc.node');

let loaded: { binding: NativeBinding | null; reason: string | null } | undefined;

/** The directory holding multiproc's package.json, walking up from this module's own file. */
export function findPackageRoot(start: string = path.dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'multiproc') return dir;
      } catch {
        // an unreadable package.json is not ours; keep walking
      }
    }
    if (path.dirname(dir) === dir) return null;
  }
}

function load(): { binding: NativeBinding | null; reason: string | null } {
  if (process.platform !== 'linux') {
    return { binding: null, reason: `the addon is built for Linux only (platform is ${process.platform})` };
  }
  const root = findPackageRoot();
  if (root === null) {
    return { binding: null, reason: `no package.json named "multiproc" above ${fileURLToPath(import.meta.url)}` };
  }
  const file = path.join(root, ADDON);
  if (!existsSync(file)) {
    return { binding: null, reason: `${file} does not exist (the install-time build failed or was skipped; run \`npm rebuild multiproc\` to retry)` };
  }
  let exports: Partial<NativeBinding> & { unsupported?: boolean };
  try {
    exports = createRequire(import.meta.url)(file) as typeof exports;
  } catch (error) {
    return { binding: null, reason: `loading ${file} failed: ${(error as Error).message}` };
  }
  if (exports.unsupported === true) {
    return { binding: null, reason: `${file} was built for ${process.platform}, where it has nothing to offer` };
  }
  if (exports.abiVersion !== 4) {
    return { binding: null, reason: `${file} has ABI version ${String(exports.abiVersion)}, expected 4 (run \`npm rebuild multiproc\`)` };
  }
  return { binding: exports as NativeBinding, reason: null };
}

/** The addon, or null when it is unavailable (see nativeUnavailableReason()). */
export function loadNative(): NativeBinding | null {
  if (process.env['MULTIPROC_NO_NATIVE'] === '1') return null;
  loaded ??= load();
  return loaded.binding;
}

/** Why loadNative() returns null (what was tried: path, platform, the load error), or null. */
export function nativeUnavailableReason(): string | null {
  if (process.env['MULTIPROC_NO_NATIVE'] === '1') return 'MULTIPROC_NO_NATIVE=1 is set in the environment';
  loaded ??= load();
  return loaded.reason;
}

/** The addon for `feature`, or a NativeUnavailableError naming the feature and the reason. */
export function requireNative(feature: string): NativeBinding {
  const binding = loadNative();
  if (binding !== null) return binding;
  throw new NativeUnavailableError(
    `${feature} needs multiproc's native addon, which is unavailable: ${nativeUnavailableReason() ?? 'unknown reason'}. ` +
      `The 'spawn' start method still works without it.`,
  );
}
