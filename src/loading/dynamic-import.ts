// The library's one import() of a module by URL, alone in its file on purpose: tsx rewrites
// every ES module file that contains `import(` (es-module-lexer + magic-string with a source
// map), which costs ~30 ms for the ~50 KB child core a spawned child loads under tsx; kept
// here, the rewrite is of these few lines (scripts/build.mjs keeps this file out of the core).

/** import() of a module by URL (absolute: the result does not depend on this file's place). */
export function importUrl(url: string): Promise<unknown> {
  return import(url);
}
