// Builds the CommonJS entries (dist/cjs/index.cjs, dist/cjs/os.cjs) from the sources with
// esbuild. The ESM build (tsc) stays the primary one; child entry files are always the ESM ones.
import { build } from 'esbuild';

await build({
  entryPoints: { index: 'src/index.ts', os: 'src/os.ts' },
  outdir: 'dist/cjs',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
  // import.meta.url has no CommonJS meaning: give each bundle its own file's URL.
  define: { 'import.meta.url': '__multiprocModuleUrl' },
  banner: { js: "const __multiprocModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
