// Syscall numbers to names (generated tables), and the syscall a wchan symbol most likely
// belongs to, for when /proc/PID/syscall cannot be read but /proc/PID/wchan can.
import { SYSCALLS_ARM64, SYSCALLS_X86_64 } from './syscall-tables.ts';

const TABLES: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  x64: SYSCALLS_X86_64,
  arm64: SYSCALLS_ARM64,
};

/** Name of syscall `nr` on `arch` (a `process.arch` value); `syscall_<nr>` when unknown. */
export function syscallName(nr: number, arch: string = process.arch): string {
  return TABLES[arch]?.[nr] ?? `syscall_${nr}`;
}

// Kernel sleep functions → the syscall that usually leads there (kernel versions differ).
const WCHAN_HINTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^(do_epoll_wait|ep_poll)$/, 'epoll_wait'],
  [/^futex_/, 'futex'],
  [/^(do_wait|kernel_wait4|wait_consider_task)$/, 'wait4'],
  [/pipe_read$|^n_tty_read$|^unix_stream_(read_generic|data_wait)$|^sk_wait_data$/, 'read'],
  [/pipe_write$|^unix_wait_for_peer$|^sock_alloc_send_pskb$/, 'write'],
  [/^(do_nanosleep|hrtimer_nanosleep|schedule_hrtimeout_range(_clock)?)$/, 'nanosleep'],
  [/^(do_select|core_sys_select)$/, 'select'],
  [/^(do_sys_poll|do_poll)$/, 'poll'],
  [/^(sigsuspend|do_sigtimedwait|sys_pause)$/, 'rt_sigtimedwait'],
  [/^(inet_csk_accept|unix_accept|inet_accept)$/, 'accept'],
];

/** The syscall a process sleeping in kernel function `wchan` is probably in, or null. */
export function syscallFromWchan(wchan: string | null): string | null {
  if (wchan === null) return null;
  for (const [pattern, name] of WCHAN_HINTS) if (pattern.test(wchan)) return name;
  return null;
}
