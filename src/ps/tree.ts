// Building the trees: multiproc processes under their multiproc parents, each top-level one
// under its main (the nearest ancestor that is not a multiproc process), one tree per main.
import { describeProcess, isOrphan, roleFromName, sampleKey, startMethodOf, type CpuSample } from './node-info.ts';
import type { ProcRecord, Snapshot } from './snapshot.ts';
import type { ProcNode, ProcTree } from './types.ts';

/** Options of buildTrees. */
export interface BuildOptions {
  /** Only multiproc processes of this real uid; null for every user. */
  uid: number | null;
  /** The previous refresh's sample: CPU % becomes the delta since then (watch mode). */
  previous?: CpuSample | undefined;
}

const byStart = (a: ProcNode, b: ProcNode): number => a.startTicks - b.startTicks || a.pid - b.pid;

/** The trees of the snapshot, sorted by main pid, and the CPU sample for the next refresh. */
export function buildTrees(snap: Snapshot, options: BuildOptions): { trees: ProcTree[]; sample: CpuSample } {
  const shown = new Map<number, ProcRecord>();
  for (const [pid, record] of snap.procs) {
    if (record.name === null || record.detail === undefined) continue;
    if (options.uid !== null && record.detail.uid !== options.uid) continue;
    shown.set(pid, record);
  }
  const nodes = new Map<number, ProcNode>();
  const sample: CpuSample = { uptimeSeconds: snap.uptimeSeconds, ticks: new Map(), names: new Map() };
  for (const [pid, record] of shown) {
    const parent = snap.procs.get(record.stat.ppid);
    const orphan = isOrphan(record, parent);
    const key = sampleKey(pid, record.stat.startTicks);
    // A zombie has no cmdline, only a 15-byte comm: keep the name seen while it was alive.
    const name = (record.cmdline === '' ? options.previous?.names.get(key) : undefined) ?? record.name ?? '?';
    sample.names.set(key, name);
    const info = describeProcess(record, snap, options.previous, {
      name,
      role: roleFromName(name),
      startMethod: startMethodOf(record, parent, orphan),
      orphan,
    });
    nodes.set(pid, { ...info, children: [] });
    sample.ticks.set(key, record.stat.cpuTicks);
  }

  // Link children to multiproc parents; the rest hang from their (non-multiproc) parent: the main.
  const tops = new Map<number, ProcNode[]>();
  for (const node of nodes.values()) {
    const parent = nodes.get(node.ppid);
    if (parent !== undefined) parent.children.push(node);
    else tops.set(node.ppid, [...(tops.get(node.ppid) ?? []), node]);
  }
  for (const node of nodes.values()) node.children.sort(byStart);

  const trees: ProcTree[] = [];
  for (const [rootPid, children] of tops) {
    children.sort(byStart);
    const record = snap.procs.get(rootPid);
    const adopted = rootPid === 1 || children.every((child) => child.orphan);
    const root: ProcTree =
      record === undefined
        ? exitedRoot(rootPid, children)
        : {
            ...describeProcess(record, snap, options.previous, {
              name: rootName(record),
              role: adopted ? 'reaper' : 'main',
              startMethod: null,
              orphan: false,
            }),
            children,
          };
    if (record !== undefined) sample.ticks.set(sampleKey(rootPid, record.stat.startTicks), record.stat.cpuTicks);
    trees.push(root);
  }
  trees.sort((a, b) => a.pid - b.pid);
  return { trees, sample };
}

function rootName(record: ProcRecord): string {
  if (record.name !== null) return record.name;
  return record.cmdline !== '' ? record.cmdline : `[${record.stat.comm}]`;
}

// The main exited between reading its children and reading it: show the children under it.
function exitedRoot(pid: number, children: ProcNode[]): ProcTree {
  return {
    pid,
    ppid: 0,
    name: '(exited)',
    role: 'main',
    startMethod: null,
    state: 'X',
    cpuPercent: 0,
    rssBytes: 0,
    ageMs: 0,
    startTicks: 0,
    threads: 0,
    syscall: null,
    syscallNr: null,
    wchan: null,
    waitingIn: null,
    waitingGuessed: false,
    zombie: false,
    orphan: false,
    children,
  };
}

/** The trees that contain `pid` (as the main or anywhere below). */
export function treesContaining(trees: ProcTree[], pid: number): ProcTree[] {
  const contains = (node: ProcNode): boolean => node.pid === pid || node.children.some(contains);
  return trees.filter(contains);
}
