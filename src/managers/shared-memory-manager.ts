// SharedMemoryManager (Python's multiprocessing.managers.SharedMemoryManager): SharedMemory
// segments and ShareableLists made through it are created here and tracked by the manager's
// process, which unlinks them when it shuts down (or when it dies: its resource tracker does).
import { typeError } from '../options.ts';
import { SharedMemory } from '../shared-memory/shared-memory.ts';
import { ShareableList, type ShareableItem } from '../shared-memory/shareable-list.ts';
import { BaseManager } from './base-manager.ts';

/** A manager that owns shared memory segments until it shuts down. */
export class SharedMemoryManager extends BaseManager {
  /** A new segment of `size` bytes, unlinked when the manager shuts down. */
  async SharedMemory(size: number): Promise<SharedMemory> {
    if (typeof size !== 'number') typeError('size', 'a positive integer (bytes)', size);
    const shm = new SharedMemory({ create: true, size, track: false });
    await this.#track(shm);
    return shm;
  }

  /** A new ShareableList holding `sequence`, unlinked when the manager shuts down. */
  async ShareableList(sequence: Iterable<ShareableItem>): Promise<ShareableList> {
    const list = new ShareableList(sequence, { track: false });
    await this.#track(list.shm);
    return list;
  }

  /** Names of the segments the manager tracks (Python's list_segments). */
  async listSegments(): Promise<string[]> {
    return (await this.callServer('listSegments')) as string[];
  }

  async #track(shm: SharedMemory): Promise<void> {
    try {
      await this.callServer('trackSegment', shm.name);
    } catch (error) {
      shm.close();
      shm.unlink(); // nobody would answer for it
      throw error;
    }
  }
}
