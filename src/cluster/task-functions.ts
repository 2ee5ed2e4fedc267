// On a worker host: the task functions, imported by route under the host's root (cached), with
// an error that names the module, the export, the host and what to do when one cannot be.
import { existsSync } from 'node:fs';
import { ProcessError } from '../errors.ts';
import { importExportedFunction } from '../loading/target.ts';
import { localReference, type TaskRoute } from './route.ts';

type AnyFunction = (...args: unknown[]) => unknown;

/** A task function could not be found or imported on a worker host. */
export class TaskImportError extends ProcessError {
  override name = 'TaskImportError';
}

/** The functions one host imported. */
export class TaskFunctions {
  readonly #root: string;
  readonly #host: string;
  readonly #cache = new Map<string, Promise<AnyFunction>>();

  constructor(root: string, host: string) {
    this.#root = root;
    this.#host = host;
  }

  /** The function `route` names (rejects with a TaskImportError). */
  get(route: TaskRoute): Promise<AnyFunction> {
    const key = `${route.path}#${route.exportName}`;
    let found = this.#cache.get(key);
    if (found === undefined) {
      found = this.#import(route);
      this.#cache.set(key, found);
      found.catch(() => this.#cache.delete(key)); // the code may be deployed later: look again next time
    }
    return found;
  }

  async #import(route: TaskRoute): Promise<AnyFunction> {
    const ref = localReference(route, this.#root);
    const what = `the task function \`${route.exportName}\` of module ${route.path}`;
    const tsx = /\.[mc]?ts$/.test(route.path) ? ', and under tsx for TypeScript modules (node --import tsx …)' : '';
    const fix = `Run every worker host on a checkout of the submitting project (same files, same version), started in its root or with --root DIR${tsx}.`;
    if (!existsSync(ref.file)) {
      throw new TaskImportError(`Worker host ${this.#host} cannot find ${what}: ${ref.file} does not exist (root ${this.#root}). ${fix}`);
    }
    try {
      return (await importExportedFunction(ref, 'task function', `worker host ${this.#host}`)) as AnyFunction;
    } catch (error) {
      throw new TaskImportError(`Worker host ${this.#host} cannot import ${what} (${ref.file}): ${(error as Error).message} ${fix}`, {
        cause: error,
      });
    }
  }
}
