// The options of a manager, normalized in one place with the house message format.
import type { Context } from '../context.ts';
import { normalizeTimeout, typeError } from '../options.ts';
import { processSourceFor, type ProcessSource } from '../process-classes.ts';
import { isStartMethod, type StartMethod } from '../start-methods.ts';

/** Options of `new BaseManager()` / `new Manager()` (Python's address, authkey, ctx, shutdown_timeout). */
export interface ManagerOptions {
  /** Where the manager listens: a unix socket path or [host, port] (port 0: any). Default: a private unix socket. */
  address?: string | [string, number];
  /** The key clients must know (default: this process's authkey). */
  authkey?: Uint8Array | string;
  /** The start method or Context of the manager's process (default: the default context). */
  context?: StartMethod | Context;
  /** How long shutdown() waits for the manager's process to end before terminating it (default 1000). */
  shutdownTimeoutMs?: number;
}

/** Normalized manager options. */
export interface NormalizedManagerOptions {
  address: string | [string, number] | undefined;
  authkey: Uint8Array | undefined;
  /** The Context given, or the Process class of the start method named (default: the default context's). */
  context: ProcessSource;
  shutdownTimeoutMs: number;
}

/** Check and default the options of a manager. */
export function normalizeManagerOptions(options: unknown): NormalizedManagerOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null) typeError('options', 'an object', options);
  const o = options as Record<string, unknown>;
  let address: string | [string, number] | undefined;
  if (o.address === undefined || o.address === null) address = undefined;
  else if (typeof o.address === 'string' && o.address !== '') address = o.address;
  else if (
    Array.isArray(o.address) &&
    o.address.length === 2 &&
    typeof o.address[0] === 'string' &&
    Number.isInteger(o.address[1]) &&
    (o.address[1] as number) >= 0 &&
    (o.address[1] as number) < 65536
  ) {
    address = [o.address[0], o.address[1] as number];
  } else typeError('address', 'a unix socket path or [host, port]', o.address);
  let authkey: Uint8Array | undefined;
  if (o.authkey === undefined || o.authkey === null) authkey = undefined;
  else if (typeof o.authkey === 'string') authkey = new TextEncoder().encode(o.authkey);
  else if (o.authkey instanceof Uint8Array) authkey = new Uint8Array(o.authkey);
  else typeError('authkey', 'a Uint8Array (or a string)', o.authkey);
  let context: ProcessSource;
  if (o.context === undefined || o.context === null) context = processSourceFor();
  else if (typeof o.context === 'string') {
    if (!isStartMethod(o.context)) typeError('context', 'a start method name or a Context', o.context);
    context = processSourceFor(o.context);
  } else if (typeof o.context === 'object' && typeof (o.context as Context).getStartMethod === 'function') context = o.context as Context;
  else typeError('context', 'a start method name or a Context', o.context);
  const shutdownTimeoutMs = normalizeTimeout('shutdownTimeoutMs', o.shutdownTimeoutMs) ?? 1000;
  return { address, authkey, context, shutdownTimeoutMs };
}
