// Builds dist/ from src/: type declarations with tsc, JavaScript with esbuild.
// - The child core (dist/internal/child-core.js): every module a spawned child needs before its
//   target runs (the static imports of src/bootstrap/spawn-main.ts), as ONE file: Node's ES
//   module loader pays per file in a fresh process, so the spawned child loads 2 files
//   (spawn-main + core) instead of 7 (figures: docs/DECISIONS.md, "A spawned child loads two library files").
// - ESM (dist/*.js): the public entries and the fork server, bundled with code splitting; every
//   import of a core module becomes an import of `#child-core` (package.json "imports"), so the
//   library stays ONE copy in a process: a target that imports `multiproc` gets the same
//   Process, errors and state the child's bootstrap used.
// - src/loading/dynamic-import.ts (the library's import() by URL) stays a file of its own
//   (dist/internal/dynamic-import.js, `#dynamic-import`): tsx rewrites every ES module that
//   contains `import(`, which costs tens of ms for the core under tsx and little for that file.
// - CommonJS (dist/cjs/*.cjs): require() of the ESM build itself (one copy; see
//   writeCommonJsEntries), with declarations of their own (dist/cjs/**/*.d.cts).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build, transform } from 'esbuild';
import * as lexer from 'es-module-lexer';

const require = createRequire(import.meta.url);
rmSync('dist', { recursive: true, force: true });
try {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--emitDeclarationOnly'], {
    stdio: 'pipe',
  });
} catch (error) {
  // Declarations are still written; `npm run typecheck` (part of `npm test`) reports the errors.
  const output = String(error.stdout ?? '')
    .split('\n')
    .slice(0, 5)
    .join('\n');
  console.warn(`multiproc build: tsc reported type errors (declarations written anyway; see \`npm run typecheck\`):\n${output}`);
}

const common = { bundle: true, platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning', sourcemap: true };
const CORE_SPECIFIER = '#child-core';
const SPAWN_MAIN = 'src/bootstrap/spawn-main.ts';
const DYNAMIC_IMPORT = 'src/loading/dynamic-import.ts';
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
  stdin: {
    contents: core.map((file) => `export * from './${file}';`).join('\n'),
    resolveDir: process.cwd(),
    sourcefile: 'child-core.ts',
    loader: 'ts',
  },
  outfile: 'dist/internal/child-core.js',
  format: 'esm',
  plugins: [dynamicImportAsPackageImport()],
});
builtinsWithoutFacades('dist/internal/child-core.js');
if (lexer.parse(readFileSync('dist/internal/child-core.js', 'utf8'))[0].some((entry) => entry.d > -1)) {
  throw new Error(
    'multiproc build: the child core contains an import(); call importUrl() of src/loading/dynamic-import.ts instead (see the top of this file).',
  );
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
    // Preloaded by `multiproc run` with --require (see src/loading/in-thread-ts.ts).
    'loading/in-thread-ts': 'src/loading/in-thread-ts.ts',
    // Imported by spawn-main when a child receives shareable objects.
    'internal/shareables': 'src/shareables.ts',
    // The Pool's worker target (not a public export): its own entry keeps `poolWorker` exported
    // from whichever chunk defines it, so spawned and fork-server workers can import it.
    'internal/pool-worker': 'src/pool/worker.ts',
    // A worker host's batch of jobs, run in its pool workers by reference (same reason).
    'internal/cluster-batch': 'src/cluster/batch-runner.ts',
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
builtinsWithoutFacades('dist/bootstrap/spawn-main.js');

/**
 * The core's imports of Node's own modules (`import { openSync } from "node:fs"`) become reads of
 * process.getBuiltinModule() (Node >= 20.16): an ES module import of a builtin makes its ES module
 * facade, which reads every export, lazy ones included (node:fs's ReadStream getter loads all of
 * node:stream), ~4-5 ms of a spawned child's start here (a --cpu-prof of one). The reads are
 * hoisted to the top of the file as ES module imports are; line numbers (the source map) are kept.
 */
function builtinsWithoutFacades(file) {
  const code = readFileSync(file, 'utf8');
  const reads = [];
  let out = '';
  let last = 0;
  for (const entry of lexer.parse(code)[0]) {
    if (entry.d !== -1 || entry.n === undefined || !entry.n.startsWith('node:')) continue;
    const statement = code.slice(entry.ss, entry.se);
    const clause = /^import\s+(?:([\w$]+)\s*,?\s*)?(?:\{([^}]*)\})?\s*from\s*["'][^"']+["'];?$/.exec(statement.trim());
    if (clause === null)
      throw new Error(`multiproc build: the child core's \`${statement}\` has a form builtinsWithoutFacades() does not rewrite.`);
    const [, defaultName, named] = clause;
    const module = `process.getBuiltinModule(${JSON.stringify(entry.n)})`;
    if (defaultName !== undefined) reads.push(`const ${defaultName} = ${module};`);
    if (named !== undefined) {
      const bindings = named
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '');
      reads.push(`const { ${bindings.map((part) => part.replace(/\s+as\s+/, ': ')).join(', ')} } = ${defaultName ?? module};`);
    }
    out += code.slice(last, entry.ss) + statement.replace(/[^\n]/g, ' ');
    last = entry.se;
  }
  out += code.slice(last);
  writeFileSync(file, reads.join(' ') + ' ' + out);
}

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
      b.onResolve({ filter: /^\.\.?\// }, (args) =>
        files.has(path.resolve(args.resolveDir, args.path)) ? { path: specifier, external: true } : undefined,
      );
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
      if (owner.has(n))
        throw new Error(`multiproc build: ${file} and ${owner.get(n)} both export \`${n}\`; the child core (one file) needs unique names.`);
      owner.set(n, file);
    }
  }
}

await writeCommonJsEntries(['index', 'os', 'cluster']);
writeCommonJsDeclarations();
checkRequire('./dist/cjs/index.cjs');

/**
 * The CommonJS entries are the ES module build itself, required (Node >= 20.19 loads an ES module
 * graph without top-level await through require()): one copy of the library's state, classes and
 * symbols in a process, whichever way its code loaded it. `dist/cjs/<name>.cjs` requires
 * `dist/cjs/<name>-esm`, an extensionless ES module (an ES module by the package's "type") that
 * re-exports `dist/<name>.js`: a loader that rewrites ES modules it sees required into CommonJS
 * (tsx does, for `.js` and `.mjs`) leaves a file without an extension to Node, so even then the
 * library is not loaded a second time.
 */
async function writeCommonJsEntries(names) {
  mkdirSync('dist/cjs', { recursive: true });
  for (const name of names) {
    writeFileSync(
      `dist/cjs/${name}-esm`,
      `// The ES module build of multiproc's \`${name}\` entry, for require() (see ${name}.cjs).\nexport * from '../${name}.js';\n`,
    );
    const specifier = name === 'index' ? 'multiproc' : `multiproc/${name}`;
    writeFileSync(
      `dist/cjs/${name}.cjs`,
      [
        `'use strict';`,
        `// CommonJS entry: the ES module build itself (require(esm), Node >= 20.19), so a process holds one copy of multiproc.`,
        `if (process.features.require_module === false) {`,
        `  throw new Error("require('${specifier}') loads multiproc's ES modules, which this process cannot: it was started with --no-experimental-require-module. Remove that option, or load it with import('${specifier}').");`,
        `} else if (!process.features.require_module) {`,
        `  throw new Error(\`require('${specifier}') needs Node.js >= 20.19, which can require() ES modules; this is Node.js \${process.version}. Upgrade Node.js, or load it with import('${specifier}').\`);`,
        `}`,
        `module.exports = require('./${name}-esm');`,
        ``,
      ].join('\n'),
    );
  }
}

/**
 * Declarations for CommonJS consumers: every dist/**\/*.d.ts as dist/cjs/**\/*.d.cts, relative
 * imports pointing at the .cjs siblings (TypeScript reads a .d.ts of a "type": "module" package
 * as ES module types, which a `require` cannot load under `--module node16`).
 */
function writeCommonJsDeclarations() {
  const rewrite = (text) => text.replace(/(['"])(\.{1,2}\/[^'"]*?)\.(?:ts|js)\1/g, '$1$2.cjs$1');
  for (const file of readdirSync('dist', { recursive: true })) {
    if (!file.endsWith('.d.ts') || file.startsWith(`cjs${path.sep}`)) continue;
    const target = path.join('dist/cjs', file.replace(/\.d\.ts$/, '.d.cts'));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, rewrite(readFileSync(path.join('dist', file), 'utf8')));
  }
}

/** Refuse a build whose CommonJS entry cannot be required (top-level await in the graph, a missing file). */
function checkRequire(entry) {
  try {
    execFileSync(process.execPath, ['-e', `require(${JSON.stringify(entry)})`], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(`multiproc build: require('${entry}') fails, so CommonJS users could not load the library:\n${String(error.stderr)}`);
  }
}
