// The Redis connection of a cluster Pool or worker host: from a URL, `{ path }` (a unix socket),
// ioredis options, or an existing ioredis connection; and the wait for it to be ready, which
// ends in a RedisConnectionError naming the server instead of ioredis retrying forever.
import type { Redis as RedisClient, RedisOptions } from 'ioredis';
import { RedisConnectionError } from '../errors.ts';
import { expectedMessage, typeError } from '../options.ts';
import { loadEngine } from './bullmq.ts';

/** What `redis` may be: a `redis://` / `rediss://` URL, `{ path }` for a unix socket, or ioredis options (password, TLS …). */
export type RedisTarget = string | ({ path: string } & RedisOptions) | RedisOptions;

/** A connection and how to name its server in messages. */
export interface RedisLink {
  client: RedisClient;
  /** `redis://10.0.0.5:6379`, `unix:/run/redis.sock` (no password). */
  where: string;
  /** True when the user gave the connection: it is theirs to close. */
  borrowed: boolean;
}

/** Open (or borrow) the connection for `redis` / `connection`; `name` is the option's owner in messages. */
export function openRedis(redis: unknown, connection: unknown): RedisLink {
  const { Redis } = loadEngine();
  if (connection !== undefined) {
    if (!(connection instanceof Redis)) typeError('connection', 'an ioredis connection (new Redis(…))', connection);
    return { client: connection, where: describeOptions(connection.options), borrowed: true };
  }
  // BullMQ needs commands to wait through reconnections (maxRetriesPerRequest: null).
  if (typeof redis === 'string') {
    if (!/^rediss?:\/\//.test(redis))
      throw new TypeError(expectedMessage('redis', 'a redis:// or rediss:// URL, { path } or ioredis options', redis));
    const client = new Redis(redis, { maxRetriesPerRequest: null, lazyConnect: false });
    return { client, where: describeUrl(redis), borrowed: false };
  }
  if (redis === null || typeof redis !== 'object') typeError('redis', 'a redis:// URL, { path } or ioredis options', redis);
  const options = { ...(redis as RedisOptions), maxRetriesPerRequest: null };
  return { client: new Redis(options), where: describeOptions(options), borrowed: false };
}

/** `url` without user, password or query (`?password=` is one): `redis://host:port[/db]`, for messages and process titles. */
export function describeUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//').replace(/[?#].*$/, '');
  }
  const db = parsed.pathname === '/' || parsed.pathname === '' ? '' : parsed.pathname;
  return `${parsed.protocol}//${parsed.hostname}:${parsed.port === '' ? '6379' : parsed.port}${db}`;
}

function describeOptions(options: RedisOptions): string {
  if (typeof options.path === 'string') return `unix:${options.path}`;
  const db = options.db === undefined || options.db === 0 ? '' : `/${options.db}`;
  return `${options.tls === undefined ? 'redis' : 'rediss'}://${options.host ?? '127.0.0.1'}:${options.port ?? 6379}${db}`;
}

/**
 * Resolves once `link` is ready; rejects with a RedisConnectionError after `timeoutMs` without it,
 * or at once when `signal` aborts (its owner closed: ioredis never ends a connection closed
 * between two attempts, so its 'end' cannot be waited for).
 */
export function whenReady(link: RedisLink, timeoutMs: number, doing: string, signal?: AbortSignal): Promise<void> {
  const { client } = link;
  if (client.status === 'ready') return Promise.resolve();
  if (signal?.aborted === true) return Promise.reject(unreachable(link, doing, undefined, 'closed before it was ready'));
  return new Promise((resolve, reject) => {
    let last: Error | undefined;
    const onError = (error: Error) => {
      last = error;
    };
    const finish = (error?: Error) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
      client.off('end', onEnd);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onReady = () => finish();
    const onEnd = () => finish(unreachable(link, doing, last, 'the connection was closed'));
    const onAbort = () => finish(unreachable(link, doing, last, 'closed before it was ready'));
    const timer = setTimeout(() => finish(unreachable(link, doing, last, `not ready after ${timeoutMs} ms`)), timeoutMs);
    signal?.addEventListener('abort', onAbort);
    client.on('ready', onReady);
    client.on('error', onError);
    client.on('end', onEnd);
  });
}

/** The error for a Redis that cannot be reached. */
export function unreachable(link: RedisLink, doing: string, cause: Error | undefined, how: string): RedisConnectionError {
  const why = cause === undefined ? how : `${cause.message} (${how})`;
  return new RedisConnectionError(
    `Cannot ${doing}: Redis at ${link.where} cannot be reached: ${why}. ` +
      'Check that redis-server runs there and that this machine may connect to it (bind address, firewall, password).',
    cause === undefined ? {} : { cause },
  );
}
