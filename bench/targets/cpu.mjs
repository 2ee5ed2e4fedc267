// Target for the CPU-bound Pool rows: spins for `n` iterations and returns a number.
export function spin(n) {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.sqrt(i);
  return s;
}
