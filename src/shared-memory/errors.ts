// Errors of shared memory: Python's FileExistsError / FileNotFoundError for named segments.
import { ProcessError, type ProcessErrorOptions } from '../errors.ts';

/** `create: true` with the name of a segment that already exists (Python's FileExistsError). */
export class SharedMemoryExistsError extends ProcessError {
  override name = 'SharedMemoryExistsError';
  readonly code = 'EEXIST';
  /** The segment's name. */
  readonly segment: string;
  constructor(segment: string, options: ProcessErrorOptions = {}) {
    super(
      `A shared memory segment named \`${segment}\` already exists: open it with \`create: false\`, or choose another name (or none, for a generated one).`,
      options,
    );
    this.segment = segment;
  }
}

/** Opening or unlinking a segment that does not exist (Python's FileNotFoundError). */
export class SharedMemoryNotFoundError extends ProcessError {
  override name = 'SharedMemoryNotFoundError';
  readonly code = 'ENOENT';
  /** The segment's name. */
  readonly segment: string;
  constructor(segment: string, what: 'open' | 'unlink', options: ProcessErrorOptions = {}) {
    super(
      what === 'open'
        ? `No shared memory segment named \`${segment}\` exists: create it with \`create: true\` (and a size), or check the name.`
        : `Cannot unlink the shared memory segment \`${segment}\`: it does not exist (any more): was it unlinked already?`,
      options,
    );
    this.segment = segment;
  }
}
