// The library's one import() of a module by URL, alone in its file on purpose: tsx rewrites
// every ES module file that contains `import(` (es-module-lexer + magic-string with a source
// map), a large share of a spawned child's start under tsx if done to the whole child core
// (docs/DECISIONS.md, "Processes and start methods"); kept here, the rewrite is of these few
// lines (scripts/build.mjs keeps this file out of the core).

/** import() of a module by URL (absolute: the result does not depend on this file's place). */
export function importUrl(url: string): Promise<unknown> {
  return import(url);
}
