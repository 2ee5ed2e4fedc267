// Cutting a call's input into chunks: arrays (and other sized collections) at once, with
// Python's default chunksize; other iterables and async iterables as they yield. An input that
// throws midway fails the call at that position (imap still yields what came before).
// imap reads its input lazily: at most `buffersize` chunks made but not yet consumed, and a long
// synchronous read gives the event loop a turn between chunks.
import { typeError } from '../options.ts';
import { defaultChunksize } from './options.ts';

/** What map/imap accept. */
export type Input = Iterable<unknown> | AsyncIterable<unknown>;

/** Where the chunks go. */
export interface FeedSink {
  /** undefined: Python's heuristic for a known length (unknown lengths are collected first). */
  chunksize: number | undefined;
  processes: number;
  star: boolean;
  isFailed(): boolean;
  /** imap: a promise while `made` chunks fill the buffer (resolves when there is room); else null. */
  room?(made: number): Promise<void> | null;
  onChunk(index: number, start: number, items: unknown[]): void;
  onEnd(total: number): void;
  onError(error: unknown, atChunk: number): void;
}

/** Feed `items` to `sink`; synchronous for arrays and sized collections. */
export function feedInput(items: Input, sink: FeedSink): void {
  if (items === null || (typeof items !== 'object' && typeof items !== 'string'))
    typeError('items', 'an iterable or async iterable', items);
  if (Array.isArray(items)) return feedArray(items, sink);
  if (items instanceof Set || items instanceof Map) return feedArray([...(items as Iterable<unknown>)], sink);
  const isAsync = typeof (items as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
  if (!isAsync && typeof (items as Iterable<unknown>)[Symbol.iterator] !== 'function')
    typeError('items', 'an iterable or async iterable', items);
  void feedStream(items, isAsync, sink);
}

function feedArray(items: unknown[], sink: FeedSink): void {
  const size = sink.chunksize ?? defaultChunksize(items.length, sink.processes);
  let index = 0;
  try {
    for (let start = 0; start < items.length; start += size) {
      if (sink.isFailed()) return;
      const chunk = items.slice(start, start + size);
      if (sink.star) for (let i = 0; i < chunk.length; i++) chunk[i] = argList(chunk[i], start + i);
      sink.onChunk(index++, start, chunk);
    }
  } catch (error) {
    sink.onError(error, index);
    return;
  }
  sink.onEnd(index);
}

async function feedStream(items: Input, isAsync: boolean, sink: FeedSink): Promise<void> {
  if (sink.chunksize === undefined) {
    // Unknown length: collect first (as Python's map does with list(iterable)), then chunk.
    const all: unknown[] = [];
    try {
      if (isAsync) for await (const item of items as AsyncIterable<unknown>) all.push(item);
      else for (const item of items as Iterable<unknown>) all.push(item);
    } catch (error) {
      sink.onError(error, 0);
      return;
    }
    feedArray(all, sink);
    return;
  }
  const size = sink.chunksize;
  let index = 0;
  let position = 0;
  let chunk: unknown[] = [];
  const flush = () => {
    if (chunk.length === 0) return;
    sink.onChunk(index++, position - chunk.length, chunk);
    chunk = [];
  };
  try {
    const iterable = items as AsyncIterable<unknown> & Iterable<unknown>;
    const iterator = isAsync ? iterable[Symbol.asyncIterator]() : iterable[Symbol.iterator]();
    let turn = Date.now();
    for (;;) {
      if (chunk.length === 0 && sink.room !== undefined) {
        const wait = sink.room(index);
        if (wait !== null) {
          await wait;
          turn = Date.now();
        } else if (!isAsync && Date.now() - turn >= TURN_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          turn = Date.now();
        }
      }
      if (sink.isFailed()) {
        await iterator.return?.();
        return;
      }
      const step = isAsync ? await (iterator as AsyncIterator<unknown>).next() : (iterator as Iterator<unknown>).next();
      if (step.done === true) break;
      chunk.push(sink.star ? argList(step.value, position) : step.value);
      position++;
      if (chunk.length >= size) flush();
    }
  } catch (error) {
    flush();
    sink.onError(error, index);
    return;
  }
  flush();
  sink.onEnd(index);
}

/** How long a synchronous input is read before the event loop gets a turn (between chunks). */
const TURN_MS = 10;

function argList(item: unknown, position: number): unknown[] {
  if (Array.isArray(item)) return item;
  if (item !== null && typeof item === 'object' && typeof (item as Iterable<unknown>)[Symbol.iterator] === 'function')
    return [...(item as Iterable<unknown>)];
  return typeError(`items[${position}]`, 'an array of arguments (starmap)', item);
}
