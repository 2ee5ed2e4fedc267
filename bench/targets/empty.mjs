// Target for the start→join rows: does nothing.
export function empty() {}
