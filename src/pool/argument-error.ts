// Naming the Pool argument that cannot travel to a worker, as a Process does (`args[0].lock`):
// a task's items go over the worker's Connection, which carries shareable objects (by their fds)
// and class instances (by class reference); what is left (a function, a symbol, an instance of a
// class the worker cannot import …) is found here and named by its path.
import { SerializationError } from '../errors.ts';
import { reduceForChild } from '../reduction.ts';

const SENT_TO = 'a pool worker';

/** The SerializationError of `item` (position `position` of the call `what`), or null when it can travel. */
export function itemError(item: unknown, position: number, what: string, star: boolean): SerializationError | null {
  // apply(fn, args): the one item is the argument list.
  const root = what === 'apply()' && star ? 'args' : `items[${position}]`;
  try {
    reduceForChild({ [root]: item }, SENT_TO);
    return null;
  } catch (error) {
    if (!(error instanceof SerializationError)) throw error;
    return new SerializationError(error.path, `${what}: ${error.message}`, { cause: error });
  }
}
