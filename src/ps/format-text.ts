// The text output of `multiproc ps`: one aligned table, trees drawn like `ps auf` (`\_`).
import type { ProcNode, ProcTree } from './types.ts';

/** Column headers, in order; NAME is last and carries the tree branches. */
export const COLUMNS = ['PID', 'PPID', 'S', '%CPU', 'RSS', 'AGE', 'METHOD', 'SYSCALL', 'WCHAN', 'NAME'] as const;
const RIGHT = new Set<string>(['PID', 'PPID', '%CPU', 'RSS', 'AGE']);

/** Elapsed time like ps's ELAPSED: `mm:ss`, `hh:mm:ss`, `d-hh:mm:ss`. */
export function formatAge(ms: number): string {
  const total = Math.floor(ms / 1000);
  const s = total % 60;
  const m = Math.floor(total / 60) % 60;
  const h = Math.floor(total / 3600) % 24;
  const d = Math.floor(total / 86400);
  const two = (n: number): string => String(n).padStart(2, '0');
  if (d > 0) return `${d}-${two(h)}:${two(m)}:${two(s)}`;
  if (h > 0) return `${two(h)}:${two(m)}:${two(s)}`;
  return `${two(m)}:${two(s)}`;
}

/** Bytes as `0`, `512K`, `43.9M`, `1.2G`. */
export function formatBytes(bytes: number): string {
  if (bytes <= 0) return '0';
  const units = ['K', 'M', 'G', 'T'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? Math.round(value) : value.toFixed(1)}${units[unit]}`;
}

/** Longest command line shown for a root (JSON has it whole). */
const ROOT_NAME_MAX = 72;

function nameCell(node: ProcNode, prefix: string): string {
  const isRoot = node.role === 'main' || node.role === 'reaper';
  const name = isRoot && node.name.length > ROOT_NAME_MAX ? `${node.name.slice(0, ROOT_NAME_MAX - 1)}…` : node.name;
  let text = prefix + name;
  if (node.role === 'reaper') text += ' <reaper: adopted orphans>';
  if (node.zombie) text += ' <zombie>';
  if (node.orphan) text += ' <orphan>';
  return text;
}

function row(node: ProcNode, prefix: string): string[] {
  const isChild = node.role !== 'main' && node.role !== 'reaper' && node.role !== 'forkserver';
  let waiting = node.waitingIn ?? '-';
  if (node.waitingGuessed) waiting = `(${waiting})`;
  return [
    String(node.pid),
    String(node.ppid),
    node.state,
    node.cpuPercent.toFixed(1),
    formatBytes(node.rssBytes),
    formatAge(node.ageMs),
    isChild ? (node.startMethod ?? '?') : '-',
    waiting,
    node.wchan ?? '-',
    nameCell(node, prefix),
  ];
}

// `indent` is what each line below `node` starts with: ` |  ` under an ancestor with more
// siblings still to come, four spaces under a last child (the `ps auf` layout).
function addRows(rows: string[][], node: ProcNode, prefix: string, indent: string): void {
  rows.push(row(node, prefix));
  node.children.forEach((child, i) => {
    const last = i === node.children.length - 1;
    addRows(rows, child, `${indent} \\_ `, indent + (last ? '    ' : ' |  '));
  });
}

/** The table for `trees` (header + one line per process), lines joined with `\n`, no final newline. */
export function formatTrees(trees: readonly ProcTree[]): string {
  const rows: string[][] = [[...COLUMNS]];
  for (const tree of trees) addRows(rows, tree, '', '');
  const widths = COLUMNS.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => {
          if (c === COLUMNS.length - 1) return cell;
          const width = widths[c] ?? 0;
          return RIGHT.has(COLUMNS[c] ?? '') ? cell.padStart(width) : cell.padEnd(width);
        })
        .join('  '),
    )
    .join('\n');
}
