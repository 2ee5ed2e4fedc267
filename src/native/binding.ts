// The typed loader of the native addon: from the package root, loads a local build
// (build/Release/multiproc.node) or else the shipped prebuild for this system and Node ABI (see
// locate.ts), once, and explains what it tried and how to fix it when neither loads.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeUnavailableError } from '../errors.ts';
import { explainUnavailable, LOCAL_BUILD, notLinuxReason, prebuildPath, readInstallRecord, unavailableMessage } from './locate.ts';
import type { NativeBinding } from './types.ts';

export type { FdWatcher, NativeBinding, NativeSystemError, WaitStatus } from './types.ts';

let loaded: { binding: NativeBinding | null; reason: string | null; file?: string } | undefined;

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

// Loads one candidate; the addon's exports, or what is wrong with the file.
function tryLoad(file: string): NativeBinding | string {
  if (!existsSync(file)) return `${file} does not exist`;
  let exports: Partial<NativeBinding> & { unsupported?: boolean };
  try {
    exports = createRequire(import.meta.url)(file) as typeof exports;
  } catch (error) {
    return `loading ${file} failed: ${(error as Error).message.split('\n')[0]}`;
  }
  if (exports.unsupported === true) return `${file} was built for ${process.platform}, where it has nothing to offer`;
  if (exports.abiVersion !== 5) return `${file} has ABI version ${String(exports.abiVersion)}, expected 5`;
  if (exports.nodeAbi !== Number(process.versions.modules)) {
    return `${file} was built for Node ABI ${String(exports.nodeAbi)}, this Node ${process.version} has ${process.versions.modules}`;
  }
  return exports as NativeBinding;
}

function load(): { binding: NativeBinding | null; reason: string | null; file?: string } {
  if (process.platform !== 'linux') {
    return { binding: null, reason: notLinuxReason() };
  }
  const root = findPackageRoot();
  if (root === null) {
    return { binding: null, reason: `no package.json named "multiproc" above ${fileURLToPath(import.meta.url)}` };
  }
  // addonCandidates(root) in order; the prebuild's name (libc detection) only when it is needed
  const tried: string[] = [];
  for (const candidate of [() => path.join(root, LOCAL_BUILD), () => prebuildPath(root)]) {
    const file = candidate();
    const result = tryLoad(file);
    if (typeof result !== 'string') return { binding: result, reason: null, file };
    tried.push(result);
  }
  return { binding: null, reason: explainUnavailable(root, tried, readInstallRecord(root)) };
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

/** The file the addon was loaded from (a local build or a prebuild), or null when it is unavailable. */
export function nativeAddonFile(): string | null {
  return loadNative() === null ? null : (loaded?.file ?? null);
}

/** The addon for `feature`, or a NativeUnavailableError naming the feature and the reason. */
export function requireNative(feature: string): NativeBinding {
  const binding = loadNative();
  if (binding !== null) return binding;
  throw new NativeUnavailableError(unavailableMessage(feature, nativeUnavailableReason() ?? 'unknown reason'));
}
