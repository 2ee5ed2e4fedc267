// Worker for piscina and tinypool: x → x*x as the default export.
export default function square(x) {
  return x * x;
}
