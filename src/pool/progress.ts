// One call's progress, for its `onProgress(done, total)` option: items whose results came back,
// out of the items read from the input (known once the input ended). A throwing listener fails
// the call with its error.
type Listener = (done: number, total: number | null) => void;

/** The items of one call: done, read so far, and the total once the input ended. */
export class Progress {
  readonly #listener: Listener | undefined;
  readonly #fail: (error: unknown) => void;
  #done = 0;
  #fed = 0;
  #total: number | null = null;

  constructor(listener: Listener | undefined, fail: (error: unknown) => void) {
    this.#listener = listener;
    this.#fail = fail;
  }

  /** A chunk of `items` items was read from the input. */
  fed(items: number): void {
    this.#fed += items;
  }

  /** The input ended: the total is known (told at once unless the call stopped). */
  ended(stopped: boolean): void {
    this.#total = this.#fed;
    if (!stopped) this.#report();
  }

  /** A chunk's `items` results came back. */
  delivered(items: number): void {
    this.#done += items;
    this.#report();
  }

  #report(): void {
    if (this.#listener === undefined) return;
    try {
      this.#listener(this.#done, this.#total);
    } catch (error) {
      this.#fail(error);
    }
  }
}
