// Which module system a source file belongs to, as Node (and tsx) decide it: the extension
// (.cjs/.cts, .mjs/.mts), else the nearest package.json's "type". Errors use it to give advice
// in the caller's own form: `exports.f = f` and `isMain(module)` in CommonJS, `export function`
// and `isMain(import.meta)` in an ES module.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const packageTypes = new Map<string, string | undefined>();

/** True when `fileOrUrl` (a path or a file: URL) is a CommonJS module by its extension or package type. */
export function isCommonJsFile(fileOrUrl: string): boolean {
  const file = fileOrUrl.startsWith('file:') ? fileURLToPath(fileOrUrl) : fileOrUrl;
  if (/\.c[jt]s$/.test(file)) return true;
  if (/\.m[jt]s$/.test(file)) return false;
  return packageType(path.dirname(file)) !== 'module';
}

/** True when `fileOrUrl` is TypeScript source (written with `export`/`import` in either system). */
export function isTypeScriptFile(fileOrUrl: string): boolean {
  return /\.[cm]?tsx?$/.test(fileOrUrl);
}

/** The code that guards a module's main work in `fileOrUrl`'s module system, with its import. */
export function mainGuardAdvice(fileOrUrl: string): { guard: string; importLine: string } {
  const commonJs = isCommonJsFile(fileOrUrl);
  return {
    guard: commonJs ? 'if (isMain(module)) { … }' : 'if (isMain(import.meta)) { … }',
    importLine: commonJs && !isTypeScriptFile(fileOrUrl) ? "const { isMain } = require('multiproc')" : "import { isMain } from 'multiproc'",
  };
}

/** How to export function `name` from `fileOrUrl`, in its own syntax. */
export function exportAdvice(fileOrUrl: string, name: string): string {
  return !isTypeScriptFile(fileOrUrl) && isCommonJsFile(fileOrUrl) ? `exports.${name} = ${name}` : `export function ${name}`;
}

function packageType(dir: string): string | undefined {
  if (packageTypes.has(dir)) return packageTypes.get(dir);
  let type: string | undefined;
  try {
    type =
      (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { type?: unknown }).type === 'module' ? 'module' : 'commonjs';
  } catch (error) {
    const parent = path.dirname(dir);
    type = (error as NodeJS.ErrnoException).code === 'ENOENT' && parent !== dir ? packageType(parent) : undefined;
  }
  packageTypes.set(dir, type);
  return type;
}
