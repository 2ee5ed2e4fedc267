// Target for the .ts start→join rows (through tsx): does nothing.
export function empty(): void {}
