// RawArray(): a real typed array (Float64Array …) over shared memory (Python's
// multiprocessing.RawArray). Passed to a child under any start method, it arrives as a typed
// array over the same memory (mappings.ts); Atomics work on it across processes.
import { typeError, rangeError } from '../options.ts';
import { allocate } from './arena.ts';
import {
  constructorOf,
  elementType,
  isBigIntType,
  type ElementOf,
  type ElementType,
  type SharedTypedArray,
  type TypedArrayOf,
  type TypeSpec,
} from './types.ts';

/** What RawArray and SharedArray take: a length (zero-filled) or the initial values. */
export type LengthOrValues<T extends TypeSpec> = number | ArrayLike<ElementOf<T>> | Iterable<ElementOf<T>>;

/**
 * A typed array of `type` over shared memory, zero-filled to `length`, or holding `values`.
 * `RawArray('f64', 1000)` is a Float64Array; `RawArray('i64', [1n, 2n])` a BigInt64Array.
 */
export function RawArray<T extends TypeSpec>(type: T, lengthOrValues: LengthOrValues<T>): TypedArrayOf<T> {
  return sharedTypedArray(elementType(type), lengthOrValues, 'lengthOrValues') as TypedArrayOf<T>;
}

/** The typed array behind RawArray and SharedArray, with `extraBytes` of shared memory before it (a lock's). */
export function sharedTypedArray(type: ElementType, lengthOrValues: unknown, name: string, extraBytes = 0): SharedTypedArray {
  const Ctor = constructorOf(type);
  let values: unknown[] | null = null;
  let length: number;
  if (typeof lengthOrValues === 'number') {
    if (!Number.isSafeInteger(lengthOrValues) || lengthOrValues < 0)
      rangeError(name, 'a non-negative integer (a length) or the values', lengthOrValues);
    length = lengthOrValues;
  } else if (
    typeof lengthOrValues === 'object' &&
    lengthOrValues !== null &&
    (Symbol.iterator in lengthOrValues || 'length' in lengthOrValues)
  ) {
    values = Array.from(lengthOrValues as ArrayLike<unknown>);
    length = values.length;
    const big = isBigIntType(type);
    values.forEach((value, index) => {
      if (typeof value !== (big ? 'bigint' : 'number'))
        typeError(`${name}[${index}]`, big ? `a bigint (the type is '${type}')` : `a number (the type is '${type}')`, value);
    });
  } else {
    return typeError(name, 'a length or an array (or iterable) of values', lengthOrValues);
  }
  const bytes = length * Ctor.BYTES_PER_ELEMENT;
  const { buffer, byteOffset } = allocate(extraBytes + bytes);
  const array = new Ctor(buffer, byteOffset + extraBytes, length);
  if (values !== null) (array as { set(values: ArrayLike<unknown>): void }).set(values);
  return array;
}
