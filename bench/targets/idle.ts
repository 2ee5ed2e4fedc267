// Target for the .ts child-memory rows: signals readiness by writing one byte to `path`, then
// idles until it is terminated.
import { writeFileSync } from 'node:fs';

export function idle(path: string): Promise<never> {
  writeFileSync(path, '1');
  return new Promise(() => setInterval(() => {}, 1 << 30));
}
