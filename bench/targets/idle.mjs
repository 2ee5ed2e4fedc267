// Target for the child-memory rows: signals readiness by writing one byte to `path`, then idles
// until it is terminated.
import { writeFileSync } from 'node:fs';

export function idle(path) {
  writeFileSync(path, '1');
  return new Promise(() => setInterval(() => {}, 1 << 30));
}
