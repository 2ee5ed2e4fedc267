// Builds dist/ from src/: type declarations with tsc, JavaScript with esbuild.
// - The child core (dist/internal/child-core.js): every module a spawned child needs before its
//   target runs (the static imports of src/bootstrap/spawn-main.ts), as ONE file. Node's ES
//   module loader costs ~1.5 ms per file in a fresh process: the spawned child loads 2 files
//   (spawn-main + core) instead of 7, ~10 ms less per spawn start.
// - ESM (dist/*.js): the public entries and the fork server, bundled with code splitting; every
//   import of a core module becomes an import of `#child-core` (package.json "imports"), so the
//   library stays ONE copy in a process: a target that imports `multiproc` gets the same
//   Process, errors and state the child's bootstrap used.
// - src/dynamic-import.ts (the library's import() by URL) stays a file of its own
//   (dist/internal/dynamic-import.js, `#dynamic-import`): tsx rewrites every ES module that
//   contains `import(`, ~30 ms for the core under tsx, a fraction of a ms for that file.
// - CommonJS (dist/cjs/*.cjs): the public entries for require(); child entries stay ESM.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build, transform } from 'esbuild';
import * as lexer from 'es-module-lexer';

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
const CORE_SPECIFIER = '#child-core';
const SPAWN_MAIN = 'src/bootstrap/spawn-main.ts';
const DYNAMIC_IMPORT = 'src/dynamic-import.ts';
const DYNAMIC_SPECIFIER = '#dynamic-import';

// The core: what spawn-main imports statically, spawn-main itself excluded (its dynamic imports
// load later, from the split build).
const probe = await build({
  ...common,
  entryPoints: [SPAWN_MAIN],
  write: false,
  outdir: 'dist',
  format: 'esm',
  metafile: true,
  plugins: [externalDynamicImports()],
});
const core = Object.keys(probe.metafile.inputs).filter((file) => file !== SPAWN_MAIN && file !== DYNAMIC_IMPORT);
const coreAbsolute = new Set(core.map((file) => path.resolve(file)));
await lexer.init;
await checkUniqueExports(core);

await build({
  ...common,
  stdin: { contents: core.map((file) => `export * from './${file}';`).join('\n'), resolveDir: process.cwd(), sourcefile: 'child-core.ts', loader: 'ts' },
  outfile: 'dist/internal/child-core.js',
  format: 'esm',
  plugins: [dynamicImportAsPackageImport()],
});
if (lexer.parse(readFileSync('dist/internal/child-core.js', 'utf8'))[0].some((entry) => entry.d > -1)) {
  throw new Error('multiproc build: the child core contains an import(); call importUrl() of src/dynamic-import.ts instead (see the top of this file).');
}

await build({ ...common, bundle: false, entryPoints: { 'internal/dynamic-import': DYNAMIC_IMPORT }, outdir: 'dist', format: 'esm' });

await build({
  ...common,
  entryPoints: {
    index: 'src/index.ts',
    os: 'src/os.ts',
    cluster: 'src/cluster.ts',
    'bootstrap/forkserver-main': 'src/bootstrap/forkserver-main.ts',
    'cli/main': 'src/cli/main.ts',
    // Preloaded by `multiproc run` with --require (see src/os/in-thread-ts.ts).
    'os/in-thread-ts': 'src/os/in-thread-ts.ts',
    // Imported by spawn-main when a child receives shareable objects.
    'internal/shareables': 'src/shareables.ts',
  },
  outdir: 'dist',
  format: 'esm',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [...libraryImports()],
});

await build({
  ...common,
  entryPoints: { 'bootstrap/spawn-main': SPAWN_MAIN },
  outdir: 'dist',
  format: 'esm',
  plugins: [
    ...libraryImports(),
    {
      name: 'shareables-entry',
      setup(b) {
        b.onResolve({ filter: /shareables\.ts$/ }, () => ({ path: '../internal/shareables.js', external: true }));
      },
    },
  ],
});

/** Imports of a core module become imports of the one core file; of dynamic-import.ts, of its own. */
function libraryImports() {
  return [asPackageImport(coreAbsolute, CORE_SPECIFIER), dynamicImportAsPackageImport()];
}

function dynamicImportAsPackageImport() {
  return asPackageImport(new Set([path.resolve(DYNAMIC_IMPORT)]), DYNAMIC_SPECIFIER);
}

/** Relative imports of one of `files` become imports of `specifier` (package.json "imports"). */
function asPackageImport(files, specifier) {
  return {
    name: specifier,
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => (files.has(path.resolve(args.resolveDir, args.path)) ? { path: specifier, external: true } : undefined));
    },
  };
}

/** Dynamic imports stay out of the probe (they are not loaded before the target runs). */
function externalDynamicImports() {
  return {
    name: 'external-dynamic-imports',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined));
    },
  };
}

/** `export *` drops a name two core modules both export: refuse to build rather than lose it. */
async function checkUniqueExports(files) {
  const owner = new Map();
  for (const file of files) {
    const { code } = await transform(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm' });
    for (const { n } of lexer.parse(code)[1]) {
      if (owner.has(n)) throw new Error(`multiproc build: ${file} and ${owner.get(n)} both export \`${n}\`; the child core (one file) needs unique names.`);
      owner.set(n, file);
    }
  }
}

await build({
  ...common,
  entryPoints: { index: 'src/index.ts', os: 'src/os.ts', cluster: 'src/cluster.ts' },
  outdir: 'dist/cjs',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  // import.meta.url has no CommonJS meaning: give each bundle its own file's URL.
  define: { 'import.meta.url': '__multiprocModuleUrl' },
  banner: { js: "const __multiprocModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
