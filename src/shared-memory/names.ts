// Names of POSIX shared memory segments: checked as Python's SharedMemory takes them (a leading
// '/' optional, no other '/'), generated as `mp-<random>` (the test suite looks for leaked mp-*).
import { randomBytes } from 'node:crypto';
import { rangeError, typeError } from '../options.ts';

/** Where Linux keeps POSIX shared memory (glibc's shm_open(name) is open("/dev/shm/" + name)). */
export const SHM_DIR = '/dev/shm';

/** The prefix of generated names. */
export const GENERATED_PREFIX = 'mp-';

/** A fresh name: `mp-` and 16 hex digits. */
export function generateName(): string {
  return `${GENERATED_PREFIX}${randomBytes(8).toString('hex')}`;
}

/** The name without its leading '/', checked. */
export function checkName(name: unknown): string {
  if (typeof name !== 'string') typeError('name', 'a string', name);
  const bare = name.startsWith('/') ? name.slice(1) : name;
  if (bare.length === 0 || bare.length > 250 || /[/\0\n]/.test(bare) || bare === '.' || bare === '..') {
    rangeError('name', "a segment name of 1 to 250 characters without '/' (except a leading one), NUL or newline", name);
  }
  return bare;
}

/** The name as shm_open(3) takes it. */
export function posixName(name: string): string {
  return `/${name}`;
}

/** The file the segment is on Linux. */
export function segmentPath(name: string): string {
  return `${SHM_DIR}/${name}`;
}
