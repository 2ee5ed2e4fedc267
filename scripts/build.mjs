// Builds dist/ from src/: type declarations with tsc, JavaScript with esbuild.
// - ESM (dist/*.js): the public entries and the child entries, bundled with code splitting, so
//   a child loads the library once, as one shared chunk (a spawned child starts faster than
//   with ~50 small modules), and a target that imports `multiproc` reuses that same chunk.
// - CommonJS (dist/cjs/*.cjs): the public entries for require(); child entries stay ESM.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
rmSync('dist', { recursive: true, force: true });
try {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--emitDeclarationOnly'], { stdio: 'pipe' });
} catch (error) {
  // Declarations are still written; `npm run typecheck` (part of `npm test`) reports the errors.
  const output = String(error.stdout ?? '').split('\n').slice(0, 5).join('\n');
  console.warn(`multiproc build: tsc reported type errors (declarations written anyway; see \`npm run typecheck\`):\n${output}`);
}

const common = { bundle: true, platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning', sourcemap: true };

await build({
  ...common,
  entryPoints: {
    index: 'src/index.ts',
    os: 'src/os.ts',
    'bootstrap/spawn-main': 'src/bootstrap/spawn-main.ts',
    'bootstrap/forkserver-main': 'src/bootstrap/forkserver-main.ts',
    'cli/main': 'src/cli/main.ts',
    // Preloaded by `multiproc run` with --require (see src/os/in-thread-ts.ts).
    'os/in-thread-ts': 'src/os/in-thread-ts.ts',
  },
  outdir: 'dist',
  format: 'esm',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
});

await build({
  ...common,
  entryPoints: { index: 'src/index.ts', os: 'src/os.ts' },
  outdir: 'dist/cjs',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  // import.meta.url has no CommonJS meaning: give each bundle its own file's URL.
  define: { 'import.meta.url': '__multiprocModuleUrl' },
  banner: { js: "const __multiprocModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
