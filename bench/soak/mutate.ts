// Mutations of valid input for the soak's fuzzing, and the failure line of an unexpected error.

/** A copy of `valid` with a few bytes flipped, a run overwritten, or cut short. */
export function mutate(valid: Uint8Array, next: () => number): Buffer {
  const out = Buffer.from(valid);
  const flips = 1 + Math.floor(next() * 4);
  for (let k = 0; k < flips; k++) {
    const at = Math.floor(next() * out.length);
    const how = next();
    if (how < 0.5) out[at] = Math.floor(next() * 256);
    else if (how < 0.75) out[at] = (out[at] as number) ^ (1 << Math.floor(next() * 8));
    else out.fill(next() < 0.5 ? 0xff : 0, at, Math.min(out.length, at + 1 + Math.floor(next() * 8)));
  }
  return next() < 0.3 ? out.subarray(0, Math.floor(next() * out.length)) : out;
}

/** The failure line for case `i` of a fuzz run with `seed`. */
export function unexpected(i: number, seed: number, error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message} ${error.stack?.split('\n')[1]?.trim() ?? ''}` : String(error);
  return `case ${i} (seed ${seed}): ${text.slice(0, 300)}`;
}
