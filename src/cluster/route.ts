// How a task's function reaches a worker host: never as source, by reference: its module's path
// relative to the submitting project's root (the nearest package.json above the module) and its
// export name. A host resolves the path against its own root (`--root`, default: its cwd).
import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SerializationError } from '../errors.ts';
import { referenceTarget, type TargetRef } from '../loading/target.ts';

type AnyFunction = (...args: never[]) => unknown;

/** A function as a host finds it: `path` (POSIX separators) under its root, export `exportName`. */
export interface TaskRoute {
  path: string;
  exportName: string;
  /** For messages: `square (tasks.ts:3:17)`. */
  display: string;
}

const roots = new Map<string, string>();

/** The route of `fn`; throws a SerializationError (a closure, a non-exported function) saying what to do. */
export function routeOf(fn: AnyFunction): TaskRoute {
  const ref = referenceTarget(fn, 'fn', 'a worker host');
  if (!ref.url.startsWith('file:'))
    throw new SerializationError(
      'fn',
      `fn: ${ref.display} is not in a module file, so a worker host cannot import it; define and export it in a module of your project.`,
    );
  const file = fileURLToPath(ref.url);
  const root = projectRoot(dirname(file));
  const path = relative(root, file).split(sep).join('/');
  return { path, exportName: ref.exportName, display: `${fn.name || ref.exportName} (${path}:${ref.line}:${ref.column})` };
}

/** The nearest directory at or above `dir` that holds a package.json (else `dir`'s filesystem root). */
export function projectRoot(dir: string): string {
  const known = roots.get(dir);
  if (known !== undefined) return known;
  let at = dir;
  for (;;) {
    if (existsSync(join(at, 'package.json'))) break;
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  roots.set(dir, at);
  return at;
}

/** On a host: the reference its local Pool imports, for `route` under `root`. */
export function localReference(route: TaskRoute, root: string): TargetRef & { file: string } {
  const file = join(root, ...route.path.split('/'));
  return { url: pathToFileURL(file).href, exportName: route.exportName, line: 0, column: 0, display: route.display, file };
}
