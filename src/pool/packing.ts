// Chunks of plain numbers travel as one Float64Array: v8's structured clone copies it as bytes,
// where an array of numbers costs an allocation per element on the receiving side (figures in
// docs/DECISIONS.md, "Figures behind the Pool's packing"). Lossless:
// every JS number is a float64 (NaN, -0 and Infinity included).

/** A chunk as sent: the array itself, or its numbers packed. */
export type Packed = unknown[] | { f64: Float64Array };

/** Chunks of fewer numbers are sent as arrays. */
export const MIN_PACKED = 32;

/** Pack `values` when they are all numbers (and there are enough to be worth it). */
export function pack(values: unknown[]): Packed {
  const n = values.length;
  if (n < MIN_PACKED) return values;
  for (let i = 0; i < n; i++) if (typeof values[i] !== 'number') return values;
  return { f64: Float64Array.from(values as number[]) };
}

/** The array a packed chunk stands for. */
export function unpack(packed: Packed): unknown[] {
  if (Array.isArray(packed)) return packed;
  const f64 = packed.f64;
  const out = new Array<number>(f64.length);
  for (let i = 0; i < f64.length; i++) out[i] = f64[i] as number;
  return out;
}
