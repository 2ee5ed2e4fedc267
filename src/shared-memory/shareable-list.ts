// ShareableList (Python's multiprocessing.shared_memory.ShareableList): a fixed-length list of
// numbers, strings, bytes, booleans and nulls in one SharedMemory segment, in Python's layout, so
// Python and multiproc processes can share one by name. Layout (native byte order, 8-byte slots):
//   [length: q] [allocated end offset of each item, the first 0: q × (n+1)]
//   [data: 8 bytes per number/bool/null, strings and bytes rounded up to a multiple of 8]
//   [packing format per item: 8s ('q', 'd', 'xxxxxxx?', 'xxxxxx?x', '16s' …)] [back transform: b × n]
import { typeError } from '../options.ts';
import { kReduce, rebuildHandle, registerRebuilder, type HandleDescriptor, type ReceivedHandle } from '../reduction.ts';
import { SharedMemory } from './shared-memory.ts';

/** What a ShareableList item may be. */
export type ShareableItem = number | bigint | string | Uint8Array | boolean | null;

const ALIGN = 8;
const BOOL = 'xxxxxxx?';
const NONE = 'xxxxxx?x';
const enum Back {
  identity = 0,
  text = 1,
  bytes = 2,
  none = 3,
}

// The packing format and back transform of a value ('s' items: room for its encoding).
function formatOf(value: unknown, path: string): { format: string; back: Back; bytes?: Uint8Array } {
  if (typeof value === 'number') return { format: Number.isSafeInteger(value) ? 'q' : 'd', back: Back.identity };
  if (typeof value === 'bigint') return { format: 'q', back: Back.identity };
  if (typeof value === 'boolean') return { format: BOOL, back: Back.identity };
  if (value === null || value === undefined) return { format: NONE, back: Back.none };
  if (typeof value === 'string') {
    const bytes = new TextEncoder().encode(value);
    return { format: `${ALIGN * (Math.floor(bytes.length / ALIGN) + 1)}s`, back: Back.text, bytes };
  }
  if (value instanceof Uint8Array) return { format: `${ALIGN * (Math.floor(value.length / ALIGN) + 1)}s`, back: Back.bytes, bytes: value };
  return typeError(path, 'a number, bigint, string, Uint8Array, boolean or null', value);
}

function slotSize(format: string): number {
  return format.endsWith('s') ? Number.parseInt(format, 10) : ALIGN;
}

/** A fixed-length list in shared memory, in Python's ShareableList layout. */
export class ShareableList implements Iterable<ShareableItem> {
  /** The segment holding the list (its name reaches other processes, Python ones included). */
  readonly shm: SharedMemory;
  readonly #view: DataView;
  readonly #length: number;

  /**
   * A new list holding `sequence` (in a new segment, named `name` or a fresh one; `track` as
   * SharedMemory's), or the existing list of segment `name`.
   */
  constructor(sequence?: Iterable<ShareableItem> | null, options: { name?: string; track?: boolean } = {}) {
    if (typeof options !== 'object' || options === null) typeError('options', 'an object', options);
    if (sequence === undefined || sequence === null) {
      if (options.name === undefined)
        throw new TypeError('Expected a sequence to create a ShareableList, or `name` to attach to an existing one.');
      this.shm = attached ?? new SharedMemory({ name: options.name });
      attached = null;
    } else {
      const items = [...sequence];
      const formats = items.map((item, i) => formatOf(item, `sequence[${i}]`));
      const offsets = [0];
      for (const f of formats) offsets.push((offsets.at(-1) as number) + slotSize(f.format));
      const n = items.length;
      const size = 8 + 8 * (n + 1) + (offsets.at(-1) as number) + 8 * n + n;
      this.shm = new SharedMemory({
        create: true,
        size: Math.max(size, 1),
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(options.track === undefined ? {} : { track: options.track }),
      });
      const view = new DataView(this.shm.buf.buffer, this.shm.buf.byteOffset, this.shm.buf.byteLength);
      view.setBigInt64(0, BigInt(n), true);
      offsets.forEach((offset, i) => view.setBigInt64(8 + 8 * i, BigInt(offset), true));
      this.#view = view;
      this.#length = n;
      items.forEach((item, i) => this.#write(i, formats[i] as ReturnType<typeof formatOf>, item));
      return;
    }
    const buf = this.shm.buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.#length = Number(this.#view.getBigInt64(0, true));
  }

  /** Number of items (fixed). */
  get length(): number {
    return this.#length;
  }

  /** The struct format of the items (Python's `format`). */
  get format(): string {
    return Array.from({ length: this.#length }, (_, i) => this.#packing(i)).join('');
  }

  /** Item `index` (negative: from the end); RangeError out of range. */
  get(index: number): ShareableItem {
    const i = this.#index(index);
    const format = this.#packing(i);
    const at = this.#dataStart() + this.#offset(i);
    const back = this.#view.getInt8(this.#backStart() + i) as Back;
    if (back === Back.none) return null;
    if (format === BOOL) return this.#view.getUint8(at + 7) !== 0;
    if (format === 'q') {
      const v = this.#view.getBigInt64(at, true);
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    if (format === 'd') return this.#view.getFloat64(at, true);
    let bytes = new Uint8Array(this.shm.buf.buffer, this.shm.buf.byteOffset + at, slotSize(format)).slice();
    let end = bytes.length;
    while (end > 0 && bytes[end - 1] === 0) end--; // Python's rstrip(b'\x00')
    bytes = bytes.subarray(0, end);
    return back === Back.text ? new TextDecoder().decode(bytes) : bytes;
  }

  /** Replace item `index`; a string or bytes must fit the room its slot was given (RangeError). */
  set(index: number, value: ShareableItem): void {
    const i = this.#index(index);
    const room = this.#offset(i + 1) - this.#offset(i);
    const wanted = formatOf(value, 'value');
    if (wanted.bytes !== undefined) {
      if (wanted.bytes.length > room)
        throw new RangeError(
          `The ${wanted.back === Back.text ? 'string' : 'bytes'} (${wanted.bytes.length} bytes) exceeds the ${room} bytes ` +
            `of item ${index}'s slot; a ShareableList's slots keep their size.`,
        );
      wanted.format = `${room}s`;
    }
    this.#write(i, wanted, value);
  }

  /** Occurrences of `value`. */
  count(value: ShareableItem): number {
    return this.toArray().filter((item) => same(item, value)).length;
  }

  /** Position of the first `value`; RangeError when absent (Python's ValueError). */
  index(value: ShareableItem): number {
    const at = this.toArray().findIndex((item) => same(item, value));
    if (at < 0) throw new RangeError('The value is not in the ShareableList.');
    return at;
  }

  toArray(): ShareableItem[] {
    return Array.from({ length: this.#length }, (_, i) => this.get(i));
  }

  *[Symbol.iterator](): Iterator<ShareableItem> {
    for (let i = 0; i < this.#length; i++) yield this.get(i);
  }

  /** Internal: travels to a child as its segment. */
  [kReduce](): HandleDescriptor {
    const inner = this.shm[kReduce]();
    return { kind: 'multiproc.ShareableList', data: inner, fds: inner.fds };
  }

  #write(i: number, f: ReturnType<typeof formatOf>, value: unknown): void {
    const at = this.#dataStart() + this.#offset(i);
    const slot = new Uint8Array(this.shm.buf.buffer, this.shm.buf.byteOffset + at, slotSize(f.format));
    slot.fill(0);
    if (f.bytes !== undefined) slot.set(f.bytes);
    else if (f.format === 'q') this.#view.setBigInt64(at, BigInt(value as number | bigint), true);
    else if (f.format === 'd') this.#view.setFloat64(at, value as number, true);
    else if (f.format === BOOL) this.#view.setUint8(at + 7, value === true ? 1 : 0);
    const packing = new Uint8Array(this.shm.buf.buffer, this.shm.buf.byteOffset + this.#packingStart() + 8 * i, 8);
    packing.fill(0);
    packing.set(new TextEncoder().encode(f.format).subarray(0, 8));
    this.#view.setInt8(this.#backStart() + i, f.back);
  }

  #index(index: number): number {
    if (typeof index !== 'number' || !Number.isInteger(index)) typeError('index', 'an integer', index);
    const i = index < 0 ? index + this.#length : index;
    if (i < 0 || i >= this.#length)
      throw new RangeError(`The index ${index} is out of range for a ShareableList of length ${this.#length}.`);
    return i;
  }
  #offset(i: number): number {
    return Number(this.#view.getBigInt64(8 + 8 * i, true));
  }
  #dataStart(): number {
    return (this.#length + 2) * 8;
  }
  #packingStart(): number {
    return this.#dataStart() + this.#offset(this.#length);
  }
  #backStart(): number {
    return this.#packingStart() + 8 * this.#length;
  }
  #packing(i: number): string {
    const bytes = new Uint8Array(this.shm.buf.buffer, this.shm.buf.byteOffset + this.#packingStart() + 8 * i, 8);
    let end = 8;
    while (end > 0 && bytes[end - 1] === 0) end--;
    return new TextDecoder().decode(bytes.subarray(0, end));
  }
}

function same(a: ShareableItem, b: ShareableItem): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  return a === b;
}

// Set by the rebuilder around `new ShareableList(null, …)`: the segment received from the parent.
let attached: SharedMemory | null = null;

registerRebuilder('multiproc.ShareableList', (handle: ReceivedHandle) => {
  const inner = handle.data as HandleDescriptor;
  attached = rebuildHandle({ kind: inner.kind, data: inner.data, fds: handle.fds }) as SharedMemory;
  return new ShareableList(null, { name: attached.name });
});
