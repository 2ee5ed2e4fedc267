// A quick look through a value before it is sent: does it hold anything structured clone would
// not carry as it is (a shareable object, a class instance, shared memory, a function)? Plain data
// says no in one pass without copying, and then takes the plain v8.serialize path; otherwise the
// value is reduced (reduction.ts), which names what cannot travel.
import { isClassPrototype } from './classes.ts';
import { kReduce } from './reduction.ts';
import { mappingOf } from './shared-memory/mappings.ts';

/** Whether `value` may hold something structured clone would not carry as it is, or would refuse without a path (false: plain data). */
export function mayNeedReduction(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return typeof value === 'function' || typeof value === 'symbol';
  const stack: object[] = [value];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const item = stack.pop() as object;
    if (seen.has(item)) continue;
    seen.add(item);
    const proto: unknown = Object.getPrototypeOf(item);
    // The common cases first: plain objects and arrays (no prototype of their own to carry).
    if (proto === Object.prototype || proto === null) {
      if (kReduce in item) return true;
      for (const key in item) if (push(stack, (item as Record<string, unknown>)[key])) return true;
      continue;
    }
    if (proto === Array.prototype) {
      const array = item as unknown[];
      for (let i = 0; i < array.length; i++) if (push(stack, array[i])) return true;
      continue;
    }
    if (ArrayBuffer.isView(item)) {
      if (mappingOf(item.buffer) !== undefined) return true;
      continue;
    }
    if (item instanceof SharedArrayBuffer || kReduce in item) return true;
    if (item instanceof Map) {
      for (const [k, v] of item) if (push(stack, k) || push(stack, v)) return true;
      continue;
    }
    if (item instanceof Set) {
      for (const v of item) if (push(stack, v)) return true;
      continue;
    }
    if (item instanceof Date || item instanceof RegExp || item instanceof Error || item instanceof ArrayBuffer) continue;
    if (isClassPrototype(proto)) return true;
  }
  return false;
}

// Queue an object for the scan; true for a function or a symbol (the reducer names its path in its error).
function push(stack: object[], value: unknown): boolean {
  if (typeof value === 'object') {
    if (value !== null) stack.push(value);
    return false;
  }
  return typeof value === 'function' || typeof value === 'symbol';
}
