// ctx.Manager: the Manager class of a context (Python's ctx.Manager()), whose managers start
// their process with that context's start method unless given another `context`.
import type { Context } from '../context.ts';
import { Manager } from './manager.ts';
import type { ManagerOptions } from './options.ts';

const managerClasses = new WeakMap<Context, typeof Manager>();

/** The Manager class bound to `context` (the plain Manager for the default context). */
export function managerClassFor(context: Context, isDefault: boolean): typeof Manager {
  if (isDefault) return Manager;
  let found = managerClasses.get(context);
  if (found === undefined) {
    found = class Manager extends BaseManagerClass {
      constructor(options?: ManagerOptions) {
        super(options?.context === undefined ? { ...options, context } : options);
      }
    };
    managerClasses.set(context, found);
  }
  return found;
}

const BaseManagerClass = Manager;
