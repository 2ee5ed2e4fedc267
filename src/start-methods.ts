// The start method names and the platform's default (the strategy objects live in launcher/).
import { loadNative } from './native/binding.ts';

/** How a child process is created. */
export type StartMethod = 'fork' | 'spawn' | 'forkserver';

/** Every start method name, in Python's order. */
export const START_METHODS: readonly StartMethod[] = ['fork', 'spawn', 'forkserver'];

/** True if `value` names a start method. */
export function isStartMethod(value: unknown): value is StartMethod {
  return value === 'fork' || value === 'spawn' || value === 'forkserver';
}

/** The methods this platform offers: all three on Linux with the addon, else only spawn. */
export function availableStartMethods(): StartMethod[] {
  if (process.platform === 'linux' && loadNative() !== null) return ['forkserver', 'spawn', 'fork'];
  return ['spawn'];
}

/** The default: forkserver where the native addon works (as Python 3.14 on Linux), else spawn. */
export function platformDefaultMethod(): StartMethod {
  return availableStartMethods().includes('forkserver') ? 'forkserver' : 'spawn';
}
