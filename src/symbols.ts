// Symbols shared by several modules (registered, so every copy of the library agrees).

/** Context-made Process classes carry their start method under this static key. */
export const kStartMethod = Symbol.for('multiproc.startMethod');
/** Marks library-made Process classes: a child rebuilds them from its own copy. */
export const kBuiltinClass = Symbol.for('multiproc.builtinProcessClass');
