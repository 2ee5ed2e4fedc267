// getpid/getppid/kill of multiproc/os.
import { requireNative } from '../native/binding.ts';
import { rangeError, typeError } from '../options.ts';
import { signalNumber } from './signals.ts';

/** This process's id, from the kernel (right in a forked child too). */
export function getpid(): number {
  return requireNative('multiproc/os getpid()').getpid();
}

/** The parent's process id, from the kernel. */
export function getppid(): number {
  return requireNative('multiproc/os getppid()').getppid();
}

/** Send `signal` (a name like 'SIGTERM' or a number; default SIGTERM) to `pid` (negative: a process group). */
export function kill(pid: number, signal: string | number = 'SIGTERM'): void {
  if (typeof pid !== 'number') typeError('pid', 'an integer', pid);
  if (!Number.isInteger(pid) || pid === 0 || pid === -1) rangeError('pid', 'a process id (or -pgid), not 0 or -1', pid);
  requireNative('multiproc/os kill()').kill(pid, signalNumber(signal));
}
