// The programmatic API of `multiproc ps`: one snapshot of the trees, or a refreshing series.
import { setTimeout as delay } from 'node:timers/promises';
import { rangeError, typeError } from '../options.ts';
import { createProcSource, type ProcSource } from './proc-source.ts';
import { takeSnapshot } from './snapshot.ts';
import { buildTrees, treesContaining } from './tree.ts';
import type { CpuSample } from './node-info.ts';
import type { ProcTree } from './types.ts';

/** Options of listProcesses. */
export interface ListOptions {
  /** Only the tree that contains this pid (its main or any multiproc process in it). */
  pid?: number | undefined;
  /** Show every user's multiproc processes, not only the calling user's. Default false. */
  allUsers?: boolean | undefined;
  /** Read from a directory laid out like /proc instead of /proc (tests). */
  procRoot?: string | undefined;
  /** Read through this source instead (tests inject failures with it); wins over procRoot. */
  source?: ProcSource | undefined;
}

/** Options of watchProcesses. */
export interface WatchOptions extends ListOptions {
  /** Milliseconds between refreshes. Default 1000. */
  intervalMs?: number | undefined;
  /** Stops the series (the iterator then ends without an error). */
  signal?: AbortSignal | undefined;
}

interface Normalized {
  pid: number | undefined;
  uid: number | null;
  source: ProcSource;
}

function normalizeListOptions(options: unknown): Normalized {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null) typeError('options', 'an object', options);
  const { pid, allUsers, procRoot, source } = options as ListOptions;
  if (pid !== undefined) {
    if (typeof pid !== 'number') typeError('pid', 'a positive integer', pid);
    if (!Number.isInteger(pid) || pid <= 0) rangeError('pid', 'a positive integer', pid);
  }
  if (allUsers !== undefined && typeof allUsers !== 'boolean') typeError('allUsers', 'a boolean', allUsers);
  if (procRoot !== undefined && typeof procRoot !== 'string') typeError('procRoot', 'a directory path', procRoot);
  if (source !== undefined && (typeof source !== 'object' || source === null)) typeError('source', 'a ProcSource', source);
  return {
    pid,
    uid: allUsers === true ? null : (process.getuid?.() ?? null),
    source: source ?? createProcSource(procRoot === undefined ? {} : { root: procRoot }),
  };
}

async function listOnce(o: Normalized, previous: CpuSample | undefined): Promise<{ trees: ProcTree[]; sample: CpuSample }> {
  const snap = await takeSnapshot(o.source);
  const { trees, sample } = buildTrees(snap, { uid: o.uid, previous });
  return { trees: o.pid === undefined ? trees : treesContaining(trees, o.pid), sample };
}

/** The trees of live multiproc processes (the calling user's), one per main process. */
export async function listProcesses(options?: ListOptions): Promise<ProcTree[]> {
  return (await listOnce(normalizeListOptions(options), undefined)).trees;
}

/**
 * The trees every `intervalMs`, until `signal` aborts. The first has lifetime CPU %; later ones
 * have the CPU % since the previous refresh (like top).
 */
export async function* watchProcesses(options?: WatchOptions): AsyncGenerator<ProcTree[], void, undefined> {
  const o = normalizeListOptions(options);
  const intervalMs = options?.intervalMs ?? 1000;
  if (typeof intervalMs !== 'number') typeError('intervalMs', 'a positive number of milliseconds', intervalMs);
  if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) rangeError('intervalMs', 'a positive number of milliseconds', intervalMs);
  const signal = options?.signal;
  // A function, so TypeScript does not narrow `aborted` across the awaits.
  const aborted = (): boolean => signal?.aborted === true;
  let previous: CpuSample | undefined;
  while (!aborted()) {
    const { trees, sample } = await listOnce(o, previous);
    previous = sample;
    if (aborted()) return;
    yield trees;
    try {
      await delay(intervalMs, undefined, signal === undefined ? {} : { signal });
    } catch (error) {
      if (aborted()) return;
      throw error;
    }
  }
}
