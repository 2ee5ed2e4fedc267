// Where the addon may be (a local build, then a shipped prebuild for this system and Node ABI),
// what the install script recorded, and the explanation a user reads when nothing loads.
// scripts/native-common.mjs holds the install script's copy of the prebuild naming rule.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** A local build made by node-gyp (`npm rebuild multiproc`, a source checkout). */
export const LOCAL_BUILD = path.join('build', 'Release', 'multiproc.node');

/** What the install script (scripts/build-native.mjs) writes about its outcome. */
export const INSTALL_RECORD = path.join('build', 'install-result.json');

/** The install script's outcome: a prebuild used, a source build, a failure or a skip, with why. */
export interface InstallRecord {
  outcome: 'prebuild' | 'built' | 'failed' | 'skipped';
  reason?: string;
  file?: string;
  node?: string;
}

const PREREQUISITES =
  'python3, make and a C++ compiler (Debian/Ubuntu: `apt-get install python3 make g++`; Alpine: `apk add python3 make g++`)';

/**
 * 'glibc' or 'musl' on Linux, '' elsewhere. /usr/bin/ldd says it in a few microseconds (a glibc
 * script, or musl's loader); process.report, which costs milliseconds, only when ldd does not.
 */
export function detectLibc(): string {
  if (process.platform !== 'linux') return '';
  try {
    const ldd = readFileSync('/usr/bin/ldd', 'latin1');
    if (ldd.includes('musl')) return 'musl';
    if (ldd.includes('GNU C Library')) return 'glibc';
  } catch {
    // no ldd: ask the runtime
  }
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  return header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

/** The prebuild directory name for a system: `linux-x64-glibc`, `linux-arm64-musl`, `darwin-arm64`. */
export function platformTag(platform: string = process.platform, arch: string = process.arch, libc: string = detectLibc()): string {
  return [platform, arch, libc].filter(Boolean).join('-');
}

/** The prebuilt addon for a system and Node ABI under `root`. */
export function prebuildPath(root: string, tag: string = platformTag(), nodeAbi: string = process.versions.modules): string {
  return path.join(root, 'prebuilds', tag, `multiproc.abi${nodeAbi}.node`);
}

/** The files the loader tries, in order: the local build, then the prebuild for `tag` and `nodeAbi`. */
export function addonCandidates(root: string, tag?: string, nodeAbi?: string): string[] {
  return [path.join(root, LOCAL_BUILD), prebuildPath(root, tag, nodeAbi)];
}

/** The install record under `root`, or null when the install script never ran (or wrote nothing readable). */
export function readInstallRecord(root: string): InstallRecord | null {
  try {
    const record = JSON.parse(readFileSync(path.join(root, INSTALL_RECORD), 'utf8')) as Partial<InstallRecord>;
    return typeof record.outcome === 'string' ? (record as InstallRecord) : null;
  } catch {
    return null;
  }
}

/**
 * Why no candidate loaded and what to do, from the install record: the script never ran, the
 * build failed, or what it installed no longer loads. `tried` lists each candidate's problem.
 */
export function explainUnavailable(root: string, tried: string[], record: InstallRecord | null, tag: string = platformTag()): string {
  const attempts = `tried: ${tried.join('; ')}`;
  const rebuild = `run \`npm rebuild multiproc\` in your project (building needs ${PREREQUISITES})`;
  if (record === null) {
    const lost = existsSync(path.join(root, 'build')) ? ' (build/ holds no install record)' : '';
    return (
      `multiproc's install script did not run${lost} (installed with --ignore-scripts, or by a package manager that skips ` +
      `dependencies' build scripts unless allowed: pnpm 10 (\`pnpm approve-builds\`), npm's allowScripts ` +
      `(\`npm install-scripts approve multiproc\`), yarn with enableScripts: false) ` +
      `and no prebuilt addon fits this system (${tag}, Node ABI ${process.versions.modules}, Node ${process.version}); ` +
      `${rebuild}; ${attempts}`
    );
  }
  const details = path.join(root, INSTALL_RECORD);
  switch (record.outcome) {
    case 'failed':
      return (
        `building the native addon at install failed: ${record.reason ?? 'see the record'} (details in ${details}); ` +
        `install ${PREREQUISITES}, then run \`npm rebuild multiproc\`; ${attempts}`
      );
    case 'skipped':
      return `${record.reason ?? 'the install script skipped the addon'}; ${attempts}`;
    default: {
      const what = record.outcome === 'built' ? 'built' : 'chose the prebuilt';
      return (
        `the install ${what} ${record.file ?? 'addon'} under Node ${record.node ?? '?'}, ` +
        `but nothing loads now (Node upgraded, or files moved?); ${rebuild}; ${attempts}`
      );
    }
  }
}

/** What works without the addon (the portable path, README "Platforms"). */
export const PORTABLE_FEATURES = 'spawn Processes, Pipe, Queue, Lock, RLock, Semaphore, Event, Condition, Barrier, Value and Pool';

/** What needs the addon. */
export const NATIVE_ONLY_FEATURES =
  "the 'fork' and 'forkserver' start methods, multiproc/os, shared memory (RawArray, SharedArray, SharedMemory, ShareableList, Value.getObj()), " +
  'the *Sync waits, Listener/Client, Managers and multiproc ps';

function platformName(platform: string): string {
  return platform === 'darwin' ? 'macOS' : platform === 'win32' ? 'Windows' : platform;
}

/** Why there is no addon on a platform other than Linux. */
export function notLinuxReason(platform: string = process.platform, arch: string = process.arch): string {
  return (
    `multiproc's native addon is Linux-only: there is no build for ${platformName(platform)} (${platform}-${arch}), ` +
    `so ${PORTABLE_FEATURES} take the portable path there and ${NATIVE_ONLY_FEATURES} are unavailable`
  );
}

/** The NativeUnavailableError message for `feature`: why the addon is missing, what works without it, how to get it. */
export function unavailableMessage(feature: string, reason: string, platform: string = process.platform): string {
  const fix =
    platform === 'linux'
      ? 'To get the addon on Linux: npm rebuild multiproc (needs python3, make and a C++ compiler).'
      : `On ${platformName(platform)} there is no way to get it yet (it needs Linux's futexes, pidfds and fork() in a running Node): ` +
        `run the program on Linux (a container or a VM) for ${feature}.`;
  return (
    `${feature} needs multiproc's native addon, which is unavailable: ${reason}. ` +
    `Without it, ${PORTABLE_FEATURES} still work (the portable path, README "Platforms"); ${feature} does not. ${fix}`
  );
}
