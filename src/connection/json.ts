// The JSON fast path of Connection.send(): JSON.stringify + JSON.parse cost a fraction of
// v8.serialize + v8.deserialize for a small message (docs/DECISIONS.md, "Pipe, Connection,
// shared memory"). A value goes
// as JSON only when JSON gives back exactly what structured clone would: plain objects (prototype
// Object.prototype or null) and dense plain arrays without extra properties, of strings,
// booleans, null and finite numbers other than -0, no object reached twice (structured clone
// keeps shared references and cycles; JSON would copy or fail), within a small budget (large
// values go through v8.serialize, which is as fast there). Everything else takes v8.serialize.
// (Getters of plain objects run twice on this path: once here, once in JSON.stringify.)

const MAX_NODES = 256;
const MAX_DEPTH = 32;

/** The JSON text of `value` when JSON carries it exactly (see above), else null. */
export function jsonText(value: unknown): string | null {
  const budget = { nodes: MAX_NODES };
  const seen = new Set<object>();
  return exact(value, budget, seen, 0) ? JSON.stringify(value) : null;
}

function exact(value: unknown, budget: { nodes: number }, seen: Set<object>, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object':
      break;
    default:
      return false; // undefined, bigint, symbol, function
  }
  if (value === null) return true;
  if (--budget.nodes < 0 || depth > MAX_DEPTH || seen.has(value)) return false;
  seen.add(value);
  const proto: unknown = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (proto !== Array.prototype || value.length > budget.nodes) return false;
    // for-in gives the indices in order, then any other key: a hole or an extra property shows.
    let index = 0;
    // eslint-disable-next-line @typescript-eslint/no-for-in-array -- the point: holes and extra keys must show
    for (const key in value) if (key !== String(index++)) return false;
    if (index !== value.length) return false;
    for (const item of value as unknown[]) if (!exact(item, budget, seen, depth + 1)) return false;
    return true;
  }
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) return false; // an enumerable inherited key (a polluted prototype)
    if (!exact((value as Record<string, unknown>)[key], budget, seen, depth + 1)) return false;
  }
  return true;
}
