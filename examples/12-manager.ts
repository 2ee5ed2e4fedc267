// Example 12: a Manager, as Python's `with Manager() as m: d = m.dict(); l = m.list()` shared by
// several processes. Each child gets the proxies as arguments, reaches the manager's process by
// its address with the authkey it inherited, and updates the same dict and list.
// Run: npx tsx examples/12-manager.ts
import { isMain, Manager, Process, type DictProxy, type ListProxy, type LockProxy } from 'multiproc';

/** A worker: counts its words into the shared dict (under a shared lock) and reports in the list. */
export async function countWords(
  words: string[],
  counts: DictProxy<string, number>,
  done: ListProxy<string>,
  lock: LockProxy,
): Promise<void> {
  for (const word of words) {
    await using _held = await lock.hold(); // read-modify-write of one key: one process at a time
    await counts.set(word, ((await counts.get(word)) ?? 0) + 1);
  }
  await done.push(`pid ${process.pid}: ${words.length} words`);
}

async function main(): Promise<void> {
  await using m = await Manager.start(); // the manager's process ends with this block
  const counts = await m.dict<string, number>();
  const done = await m.list<string>();
  const lock = await m.Lock();
  const texts = ['the cat sat on the mat', 'the dog sat on the log', 'a cat and a dog'];
  const children = texts.map((text) => new Process({ target: countWords, args: [text.split(' '), counts, done, lock] }));
  for (const child of children) child.start();
  for (const child of children) await child.join();
  console.log('counts:', Object.fromEntries([...(await counts.entries())].sort(([a], [b]) => a.localeCompare(b))));
  for await (const line of done) console.log(line);
  console.log('shared objects in the manager:', await m.numberOfObjects());
}

// The guard: children import this module to find countWords; only the main script starts them.
if (isMain(import.meta)) void main();
