// The shared memory segments a SharedMemoryManager's server is responsible for (Python's
// SharedMemoryServer.track_segment / release_segment / list_segments): unlinked at shutdown, and
// registered with this process's resource tracker so they are removed even if it is killed.
import { rmSync } from 'node:fs';
import { typeError } from '../options.ts';
import { checkName, segmentPath } from '../shared-memory/names.ts';
import { registerResource, unregisterResource } from '../shared-memory/tracker.ts';

/** Segment names tracked by one manager. */
export class Segments {
  readonly #names = new Set<string>();

  track(name: unknown): void {
    if (typeof name !== 'string') typeError('name', 'a segment name', name);
    const checked = checkName(name);
    this.#names.add(checked);
    registerResource(segmentPath(checked));
  }

  /** Unlink one segment now (the manager no longer answers for it). */
  release(name: unknown): void {
    if (typeof name !== 'string') typeError('name', 'a segment name', name);
    const checked = checkName(name);
    if (!this.#names.delete(checked)) return;
    unlinkSegment(checked);
  }

  list(): string[] {
    return [...this.#names];
  }

  /** Unlink every tracked segment (the manager shuts down). */
  releaseAll(): void {
    for (const name of this.#names) unlinkSegment(name);
    this.#names.clear();
  }
}

function unlinkSegment(name: string): void {
  rmSync(segmentPath(name), { force: true });
  unregisterResource(segmentPath(name));
}
