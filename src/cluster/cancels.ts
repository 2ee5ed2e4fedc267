// A call that ends early (a task's error, abort, timeout, terminate) must not leave its tasks to
// run. The submitter removes those still queued; the ones a host already took (prefetched, see
// batches.ts) are locked and cannot be removed, so the submitter also publishes the call's job-id
// prefix on the queue's cancel channel (BullMQ's pattern for cancelling on other workers:
// pub/sub, then `worker.cancelJob()`). A host cancels the tasks of that call it holds and has
// not started, and skips any that reaches it later (a stalled task put back, an add in flight).
import type { Redis as RedisClient } from 'ioredis';
import type { Worker } from 'bullmq';

/** How many ended calls a host remembers, to skip their tasks that reach it late. */
const REMEMBERED = 10_000;

/** The pub/sub channel of `queue`'s ended calls (a name under the queue's keys). */
export function cancelChannel(queueKey: (type: string) => string): string {
  return queueKey('multiproc:ended');
}

/** Submitter: say that the call whose job ids start with `prefix` ended. */
export function publishEnded(client: RedisClient, channel: string, prefix: string): Promise<unknown> {
  return client.publish(channel, prefix).catch(() => 0);
}

/** Host: which calls ended, and the cancellation of the tasks it holds of them. */
export class EndedCalls {
  readonly #subscriber: RedisClient;
  readonly #worker: Worker;
  readonly #ended = new Set<string>();
  readonly #held = new Set<string>();
  readonly #subscribed: Promise<unknown>;

  constructor(client: RedisClient, worker: Worker, channel: string) {
    this.#worker = worker;
    this.#subscriber = client.duplicate();
    this.#subscriber.on('error', () => undefined); // reconnects with the host's connection
    this.#subscriber.on('message', (_channel: string, prefix: string) => this.#onEnded(prefix));
    this.#subscribed = this.#subscriber.subscribe(channel);
  }

  /** Resolves once subscribed (a call ending from then on is heard). */
  async ready(): Promise<void> {
    await this.#subscribed;
  }

  /** Whether the call of job `id` is known to have ended. */
  ended(id: string): boolean {
    return this.#ended.has(prefixOf(id));
  }

  /** Job `id` is held by this host until release(id). */
  hold(id: string): void {
    this.#held.add(id);
  }

  release(id: string): void {
    this.#held.delete(id);
  }

  close(): void {
    this.#subscriber.disconnect();
  }

  #onEnded(prefix: string): void {
    this.#ended.add(prefix);
    if (this.#ended.size > REMEMBERED) this.#ended.delete(this.#ended.values().next().value as string);
    for (const id of this.#held) if (id.startsWith(prefix)) this.#worker.cancelJob(id, 'its call ended');
  }
}

/** `<pool>.<call>.` of job id `<pool>.<call>.<chunk>`. */
function prefixOf(id: string): string {
  return id.slice(0, id.lastIndexOf('.') + 1);
}
