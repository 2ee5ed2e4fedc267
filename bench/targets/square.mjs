// Target for the multiproc Pool rows: x → x*x.
export function square(x) {
  return x * x;
}
