// One line of the soak's table, how counts scale, and a deadline that turns a hang into a
// failure. Every scenario returns Rows; the runner (run.ts) prints them and the short test
// versions (test/soak/) assert that their failures are empty.

/** A scenario's result for one start method (or one decoder). */
export interface Row {
  scenario: string;
  /** The start method, or what was fuzzed. */
  subject: string;
  cases: number;
  /** One line per failure (the first few are kept, the rest counted). */
  failures: string[];
  failureCount: number;
  /** Figures worth printing: before/after, latencies, outcomes. */
  figures: string;
  ms: number;
}

/** Collects a Row's failures, keeping the first `keep` messages. */
export class Failures {
  readonly list: string[] = [];
  count = 0;
  readonly #keep: number;

  constructor(keep = 8) {
    this.#keep = keep;
  }

  add(message: string): void {
    this.count++;
    if (this.list.length < this.#keep) this.list.push(message);
  }
}

/** Builds a Row from the scenario's failures and figures. */
export function row(scenario: string, subject: string, cases: number, failures: Failures, figures: string, startedAt: number): Row {
  return {
    scenario,
    subject,
    cases,
    failures: failures.list,
    failureCount: failures.count,
    figures,
    ms: Math.round(performance.now() - startedAt),
  };
}

/** `base` scaled (at least 1). */
export function scaled(base: number, scale: number): number {
  return Math.max(1, Math.round(base * scale));
}

/** Thrown (as a value of `within`) when a call missed its deadline. */
export const HUNG = Symbol('hung');

/** The promise's value, or HUNG once `ms` passed (the promise is left to settle, its rejection ignored). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof HUNG> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof HUNG>((resolve) => (timer = setTimeout(resolve, ms, HUNG)));
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
    promise.catch(() => undefined);
  }
}

/** Median and maximum of a list of numbers, formatted. */
export function spread(values: number[], unit = 'ms'): string {
  if (values.length === 0) return '-';
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  return `median ${median.toFixed(0)} ${unit}, max ${(sorted.at(-1) as number).toFixed(0)} ${unit}`;
}
