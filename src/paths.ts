// Where the library's own entry files are, whichever build is running: the ESM build
// (dist/*.js, with shared code in dist/chunks/ and the child core in dist/internal/), the CommonJS bundle (dist/cjs/*.cjs, which
// points at the ESM entries), or the TypeScript sources under a loader (src/*.ts).
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const root = here.endsWith('.cjs') || ['chunks', 'internal'].includes(basename(dirname(here))) ? join(dirname(here), '..') : dirname(here);
const extension = here.endsWith('.ts') ? '.ts' : '.js';

/** Absolute path of an entry file given relative to src/ without extension, e.g. 'bootstrap/spawn-main'. */
export function entryPath(relative: string): string {
  return join(root, relative + extension);
}

// Options of the inspector, the test runner and watch mode that take their value as the next argument.
const TAKES_A_VALUE = new RegExp(
  '^--(inspect-port|debug-port|test-reporter|test-reporter-destination|test-name-pattern|test-skip-pattern|' +
    'test-concurrency|test-timeout|watch-path)$',
);

/**
 * The parent's execArgv as a child should inherit it: loaders and V8/Node options stay (so
 * `tsx` works in the child); what would break a child goes (an inspector port already taken,
 * `-e` code, test-runner and watch modes).
 */
export function inheritedExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    if (/^(-e|--eval|-p|--print)$/.test(arg)) {
      i++; // and its value
      continue;
    }
    if (/^--(eval|print)=/.test(arg)) continue;
    if (/^--(inspect|debug)(-brk|-port|-wait)?(=|$)/.test(arg) || /^--test($|-)/.test(arg) || /^--watch($|-)/.test(arg)) {
      if (TAKES_A_VALUE.test(arg)) i++;
      continue;
    }
    if (
      arg === '-i' ||
      arg === '--interactive' ||
      arg === '-c' ||
      arg === '--check' ||
      arg === '--expose-internals' ||
      arg === '--expose-gc'
    )
      continue;
    out.push(arg);
  }
  return out;
}
