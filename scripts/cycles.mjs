// Import cycles among the sources (madge): those that exist at run time (ES modules evaluate one
// of the two first, half-initialized to the other), and those that exist only through
// `import type` (harmless at run time, but a sign that two modules know each other).
//
//   node scripts/cycles.mjs [--fail-on-runtime]
//
// --fail-on-runtime: exit 1 when there is a run-time cycle (type-only ones are listed, not failed).
import madge from 'madge';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const failOnRuntime = process.argv.includes('--fail-on-runtime');

async function cycles(skipTypeImports) {
  const result = await madge(join(root, 'src'), {
    fileExtensions: ['ts'],
    tsConfig: join(root, 'tsconfig.json'),
    detectiveOptions: { ts: { skipTypeImports }, es6: { skipTypeImports } },
  });
  return result.circular().map((cycle) => cycle.join(' > '));
}

const runtime = await cycles(true);
const all = await cycles(false);
const typeOnly = all.filter((cycle) => !runtime.includes(cycle));
console.log(`run-time cycles: ${runtime.length}`);
for (const cycle of runtime) console.log(`  ${cycle}`);
console.log(`type-only cycles: ${typeOnly.length}`);
for (const cycle of typeOnly) console.log(`  ${cycle}`);
process.exit(failOnRuntime && runtime.length > 0 ? 1 : 0);
