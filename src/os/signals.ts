// Signal names <-> numbers for multiproc/os (Linux numbering through os.constants.signals).
import { constants } from 'node:os';
import { typeError } from '../options.ts';

const byNumber = new Map<number, string>();
for (const [name, number] of Object.entries(constants.signals)) {
  if (!byNumber.has(number)) byNumber.set(number, name); // SIGIOT/SIGABRT, SIGPOLL/SIGIO: first wins
}

const SIGRTMIN = 34; // glibc's SIGRTMIN (the kernel's 32 and 33 are reserved by the C library)

/** The name of signal `number` ('SIGTERM'); real-time signals are 'SIGRTMIN+N'. */
export function signalName(number: number): string {
  return byNumber.get(number) ?? (number >= SIGRTMIN ? `SIGRTMIN+${number - SIGRTMIN}` : `SIG${number}`);
}

/** A signal given by name ('SIGTERM', 'TERM') or number, as a number; TypeError otherwise. */
export function signalNumber(signal: unknown, name = 'signal'): number {
  if (typeof signal === 'number' && Number.isInteger(signal) && signal >= 0 && signal < 65) return signal;
  if (typeof signal === 'string') {
    const upper = signal.toUpperCase();
    const full = upper.startsWith('SIG') ? upper : `SIG${upper}`;
    const number = (constants.signals as Record<string, number | undefined>)[full];
    if (number !== undefined) return number;
    const rt = /^SIGRTMIN\+(\d+)$/.exec(full);
    if (rt) return SIGRTMIN + Number(rt[1]);
  }
  return typeError(name, "a signal name like 'SIGTERM' or a signal number", signal);
}
