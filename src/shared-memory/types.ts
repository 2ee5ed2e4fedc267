// The element types of shared arrays and values: multiproc's names ('i8' … 'f64') and, for
// Python users, the array module's typecodes ('b', 'i', 'q', 'd' …; 'l' is 64-bit, as on Linux).
import { rangeError } from '../options.ts';

const CONSTRUCTORS = {
  i8: Int8Array,
  u8: Uint8Array,
  i16: Int16Array,
  u16: Uint16Array,
  i32: Int32Array,
  u32: Uint32Array,
  i64: BigInt64Array,
  u64: BigUint64Array,
  f32: Float32Array,
  f64: Float64Array,
} as const;

const PYTHON_CODES = {
  b: 'i8',
  B: 'u8',
  h: 'i16',
  H: 'u16',
  i: 'i32',
  I: 'u32',
  l: 'i64',
  L: 'u64',
  q: 'i64',
  Q: 'u64',
  f: 'f32',
  d: 'f64',
} as const;

/** An element type: 'i8' 'u8' 'i16' 'u16' 'i32' 'u32' 'i64' 'u64' 'f32' 'f64'. */
export type ElementType = keyof typeof CONSTRUCTORS;
/** A Python typecode accepted as an alias ('d' is 'f64', 'i' is 'i32' …). */
export type PythonTypecode = keyof typeof PYTHON_CODES;
/** What a type may be given as. */
export type TypeSpec = ElementType | PythonTypecode;
/** The element type a spec names. */
export type ElementTypeOf<T extends TypeSpec> = T extends PythonTypecode ? (typeof PYTHON_CODES)[T] : T;
interface SharedArrays {
  i8: Int8Array<SharedArrayBuffer>;
  u8: Uint8Array<SharedArrayBuffer>;
  i16: Int16Array<SharedArrayBuffer>;
  u16: Uint16Array<SharedArrayBuffer>;
  i32: Int32Array<SharedArrayBuffer>;
  u32: Uint32Array<SharedArrayBuffer>;
  i64: BigInt64Array<SharedArrayBuffer>;
  u64: BigUint64Array<SharedArrayBuffer>;
  f32: Float32Array<SharedArrayBuffer>;
  f64: Float64Array<SharedArrayBuffer>;
}

/** The typed array of an element type over shared memory (`Float64Array` for 'f64' …). */
export type TypedArrayOf<T extends TypeSpec> = SharedArrays[ElementTypeOf<T>];
/** The JavaScript value of one element: bigint for 'i64'/'u64', number otherwise. */
export type ElementOf<T extends TypeSpec> = ElementTypeOf<T> extends 'i64' | 'u64' ? bigint : number;

/** Any typed array a shared type can produce. */
export type SharedTypedArray = SharedArrays[ElementType];
/** The constructor of a typed array over shared memory. */
export interface SharedArrayConstructor {
  new (buffer: SharedArrayBuffer, byteOffset: number, length: number): SharedTypedArray;
  readonly BYTES_PER_ELEMENT: number;
}

// Python typecodes whose values are not numbers: refused with what to use instead.
const UNSUPPORTED_CODES: Record<string, string | undefined> = {
  c: "use 'u8' and String.fromCharCode(v.value) / Buffer.from(array.buffer, array.byteOffset, array.length) for the bytes",
  '?': "use 'u8' with 0 and 1 (Boolean(v.value))",
  u: "use 'u16' or 'u32' and String.fromCodePoint",
};

/** The element type named by `spec`, or a RangeError in the house format. */
export function elementType(spec: unknown, name = 'type'): ElementType {
  if (typeof spec === 'string') {
    if (Object.hasOwn(CONSTRUCTORS, spec)) return spec as ElementType;
    if (Object.hasOwn(PYTHON_CODES, spec)) return PYTHON_CODES[spec as PythonTypecode];
    const hint = UNSUPPORTED_CODES[spec];
    if (hint !== undefined) rangeError(name, `a numeric type: Python's '${spec}' is not supported (docs/DECISIONS.md); ${hint}`, spec);
  }
  return rangeError(
    name,
    `one of ${Object.keys(CONSTRUCTORS)
      .map((t) => `'${t}'`)
      .join(' ')} (or a Python typecode such as 'd')`,
    spec,
  );
}

/** The typed array constructor of an element type. */
export function constructorOf(type: ElementType): SharedArrayConstructor {
  return CONSTRUCTORS[type];
}

/** True for the 64-bit integer types, whose elements are bigints. */
export function isBigIntType(type: ElementType): boolean {
  return type === 'i64' || type === 'u64';
}
