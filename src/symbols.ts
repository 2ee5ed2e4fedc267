// Symbols shared by several modules (registered, so every copy of the library agrees).

/** Context-made Process classes carry their start method under this static key. */
export const kStartMethod = Symbol.for('multiproc.startMethod');
/** Marks library-made Process classes: a child rebuilds them from its own copy. */
export const kBuiltinClass = Symbol.for('multiproc.builtinProcessClass');

/** The registered symbol that brands instances of the library class `name` (e.g. `Connection`). */
function brandKey(name: string): symbol {
  return Symbol.for(`multiproc.brand.${name}`);
}

/**
 * Brand `cls`'s instances (and its subclasses') as `name`: identity that holds across copies of
 * the library in one process, where `instanceof` against another copy's class is false.
 */
export function brand(cls: abstract new (...args: never[]) => unknown, name: string): void {
  Object.defineProperty(cls.prototype, brandKey(name), { value: true, enumerable: false });
}

/** Whether `value` is an instance of the library class `name`, from whichever copy made it. */
export function hasBrand(value: unknown, name: string): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brandKey(name)] === true;
}
