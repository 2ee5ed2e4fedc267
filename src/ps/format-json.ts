// The JSON output of `multiproc ps --json`.
//
// Schema: an array of trees, one per main process, sorted by pid. Every node has:
//   pid, ppid            numbers
//   name                 string: multiproc name (`Process-1:2`); for a root, its command line
//   role                 "main" | "reaper" | "process" | "forkserver" | "pool-worker"
//                        (reaper: init or a subreaper that adopted orphans whose main is gone)
//   startMethod          "spawn" | "fork" | "forkserver" | null (roots, the fork server,
//                        zombies, orphans: not known or not applicable)
//   state                kernel state letter: "R" "S" "D" "Z" "T" "t" "I" … ("X": exited mid-read)
//   cpuPercent           % of one CPU: lifetime average; in --watch, since the previous refresh
//   rssBytes             resident set size in bytes
//   ageMs                milliseconds since it started
//   startTicks           start time in clock ticks after boot (pid + startTicks is unique)
//   threads              number of threads
//   syscall              syscall name from /proc/PID/syscall ("read", "epoll_wait", "futex" …),
//                        "running" when on a CPU, null when unreadable or not in a syscall
//   syscallNr            number of that syscall, or null
//   wchan                kernel function it sleeps in ("do_epoll_wait", "futex_wait_queue" …) or null
//   waitingIn            syscall, else a syscall guessed from wchan, else null
//   waitingGuessed       true when waitingIn was guessed from wchan
//   zombie               exited, not yet reaped by its parent
//   orphan               its parent died; adopted by init or a subreaper
//   children             nodes of the same shape (multiproc processes it started)
import type { ProcTree } from './types.ts';

/** The schema above in short, for `--help`. */
export const JSON_SCHEMA_SUMMARY =
  '[{pid, ppid, name, role, startMethod, state, cpuPercent, rssBytes, ageMs, startTicks, threads,\n' +
  '   syscall, syscallNr, wchan, waitingIn, waitingGuessed, zombie, orphan, children: [...]}]';

/** Trees as JSON: indented for one-shot output, one line per snapshot with `compact` (watch). */
export function formatJson(trees: readonly ProcTree[], compact = false): string {
  return compact ? JSON.stringify(trees) : JSON.stringify(trees, null, 2);
}
