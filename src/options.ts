// Option checking with one message format:
// Expected `processes` to be a positive integer, got `0` (number).

/** Render a value for an error message: `0` (number). */
export function describeValue(value: unknown): string {
  let shown: string;
  if (typeof value === 'string') shown = JSON.stringify(value);
  else if (typeof value === 'function') shown = value.name ? `function ${value.name}` : 'anonymous function';
  else if (typeof value === 'bigint') shown = `${value}n`;
  else if (typeof value === 'symbol') shown = value.toString();
  else {
    try {
      shown = JSON.stringify(value) ?? String(value);
    } catch {
      shown = Object.prototype.toString.call(value);
    }
  }
  if (shown.length > 60) shown = `${shown.slice(0, 57)}...`;
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : (className(value) ?? typeof value);
  return `\`${shown}\` (${kind})`;
}

// The class of an object that is not a plain object (`Map`, `Connection` …): JSON shows them as `{}`.
function className(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null;
  const name = proto?.constructor?.name;
  return proto === null || proto === Object.prototype || typeof name !== 'string' || name === '' ? null : `a ${name}`;
}

/** The house message for a bad option. */
export function expectedMessage(name: string, expectation: string, value: unknown): string {
  return `Expected \`${name}\` to be ${expectation}, got ${describeValue(value)}.`;
}

/** Throw a TypeError in the house format. */
export function typeError(name: string, expectation: string, value: unknown): never {
  throw new TypeError(expectedMessage(name, expectation, value));
}

/** Throw a RangeError in the house format. */
export function rangeError(name: string, expectation: string, value: unknown): never {
  throw new RangeError(expectedMessage(name, expectation, value));
}

/** A timeout in milliseconds: undefined/null means forever; otherwise a non-negative number. */
export function normalizeTimeout(name: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value)) typeError(name, 'a number of milliseconds', value);
  if (value < 0) rangeError(name, 'a non-negative number of milliseconds', value);
  return value;
}

/** A positive integer option. */
export function normalizePositiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number') typeError(name, 'a positive integer', value);
  if (!Number.isInteger(value) || value <= 0) rangeError(name, 'a positive integer', value);
  return value;
}

/** A function option (optional). */
export function normalizeFunction<F>(name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') typeError(name, 'a function', value);
  return value as F;
}
