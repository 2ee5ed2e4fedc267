// The shared Value and Array as they live in the manager's process: a one-element typed array and
// a typed array of the given element type ('i32', 'f64' … or Python's 'i', 'd'), so values are
// stored as that type (an i32 wraps, an f32 rounds), as Python's array module does.
import { typeError } from '../../options.ts';
import { constructorOf, elementType, isBigIntType, type ElementType } from '../../shared-memory/types.ts';

type Typed = InstanceType<ReturnType<typeof constructorOf>>;

function makeArray(type: ElementType, length: number): Typed {
  return new (constructorOf(type) as unknown as new (length: number) => Typed)(length);
}

function checkElement(type: ElementType, value: unknown, name: string): number | bigint {
  if (isBigIntType(type)) {
    if (typeof value === 'bigint') return value;
    if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
    return typeError(name, `a bigint (the type is '${type}')`, value);
  }
  if (typeof value !== 'number') typeError(name, `a number (the type is '${type}')`, value);
  return value;
}

/** The referent of a Value proxy: one element of a numeric type. */
export class ValueReferent {
  readonly #type: ElementType;
  readonly #cell: Typed;
  constructor(type: unknown, initial?: unknown) {
    this.#type = elementType(type);
    this.#cell = makeArray(this.#type, 1);
    if (initial !== undefined) this.set(initial);
  }
  get(): number | bigint {
    return this.#cell[0] as number | bigint;
  }
  set(value: unknown): void {
    (this.#cell as unknown as (number | bigint)[])[0] = checkElement(this.#type, value, 'value');
  }
  /** Add `delta` and return the new value, in one call (no lost update between get and set). */
  add(delta: unknown): number | bigint {
    const d = checkElement(this.#type, delta, 'delta');
    const cell = this.#cell as unknown as (number | bigint)[];
    cell[0] = (cell[0] as number) + (d as number);
    return cell[0];
  }
  type(): ElementType {
    return this.#type;
  }
}

/** The referent of an Array proxy: a fixed-length typed array (Python's manager Array is array.array). */
export class ArrayReferent {
  readonly #type: ElementType;
  readonly #items: Typed;
  constructor(type: unknown, lengthOrValues: unknown) {
    this.#type = elementType(type);
    if (typeof lengthOrValues === 'number') {
      if (!Number.isInteger(lengthOrValues) || lengthOrValues < 0)
        typeError('lengthOrValues', 'a non-negative integer or an array of numbers', lengthOrValues);
      this.#items = makeArray(this.#type, lengthOrValues);
    } else if (Array.isArray(lengthOrValues) || ArrayBuffer.isView(lengthOrValues)) {
      const values = [...(lengthOrValues as ArrayLike<unknown> & Iterable<unknown>)];
      this.#items = makeArray(this.#type, values.length);
      values.forEach((v, i) => this.set(i, v));
    } else {
      this.#items = typeError('lengthOrValues', 'a non-negative integer or an array of numbers', lengthOrValues);
    }
  }
  #index(index: unknown): number {
    if (typeof index !== 'number' || !Number.isInteger(index)) typeError('index', 'an integer', index);
    const n = this.#items.length;
    const at = index < 0 ? index + n : index;
    if (at < 0 || at >= n) throw new RangeError(`The index ${index} is out of range for a shared Array of length ${n}.`);
    return at;
  }
  get(index: unknown): number | bigint {
    return this.#items[this.#index(index)] as number | bigint;
  }
  set(index: unknown, value: unknown): void {
    (this.#items as unknown as (number | bigint)[])[this.#index(index)] = checkElement(this.#type, value, 'value');
  }
  length(): number {
    return this.#items.length;
  }
  slice(start?: unknown, end?: unknown): (number | bigint)[] {
    return [...this.#items.slice(start as number | undefined, end as number | undefined)] as (number | bigint)[];
  }
  toArray(): (number | bigint)[] {
    return [...this.#items] as (number | bigint)[];
  }
  type(): ElementType {
    return this.#type;
  }
}
