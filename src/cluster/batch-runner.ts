// In a worker host's local pool worker: several tasks (jobs) in one local task, so that a host
// wakes its worker process once per batch rather than once per job (batches.ts decides how many).
// Each job's outcome is kept apart (an error fails only its job) and comes back already encoded
// as the job's return value, with the time its function took (for pace.ts).
import { performance } from 'node:perf_hooks';
import type { TargetRef } from '../loading/target.ts';
import { resolveFunction } from '../pool/functions.ts';
import { toWireError } from '../pool/remote-error.ts';
import { runChunk } from '../pool/worker.ts';
import { decode, encode, WIRE_VERSION, type ResultPayload, type TaskPayload } from './wire.ts';

type AnyFunction = (...args: unknown[]) => unknown;

/** One job of a batch: its function's reference on this host, and the job's data as sent (wire.ts). */
export interface BatchEntry {
  ref: TargetRef;
  payload: string;
  /** For messages: the job's id. */
  id: string;
}

/** What a batch sends back: per entry, its encoded ResultPayload, whether it succeeded, and the ms its function ran. */
export interface BatchReply {
  results: string[];
  ok: boolean[];
  runMs: number[];
}

/** Run `entries` in order; `host` names this host in results, `limit` is the largest encoded result. */
export async function runTaskBatch(entries: BatchEntry[], host: string, limit: number): Promise<BatchReply> {
  const results: string[] = [];
  const ok: boolean[] = [];
  const runMs: number[] = [];
  for (const entry of entries) {
    const started = performance.now();
    const result = await runEntry(entry, host);
    runMs.push(performance.now() - started);
    try {
      results.push(encode(result, limit, `The result of task ${entry.id}`));
      ok.push(result.ok);
    } catch (error) {
      results.push(encodeError(error, host));
      ok.push(false);
    }
  }
  return { results, ok, runMs };
}

async function runEntry(entry: BatchEntry, host: string): Promise<ResultPayload> {
  try {
    const task = decode<TaskPayload>(entry.payload);
    const fn = (await resolveFunction({ kind: 'ref', ref: entry.ref })) as AnyFunction;
    const items = Array.isArray(task.items) ? task.items : task.items.f64;
    return { v: WIRE_VERSION, host, ok: true, values: await runChunk(fn, items, task.star) };
  } catch (error) {
    return { v: WIRE_VERSION, host, ok: false, error: toWireError(error) };
  }
}

/** `error` as a job's return value: the task failed with it on `host`. */
export function encodeError(error: unknown, host: string): string {
  return encode({ v: WIRE_VERSION, host, ok: false, error: toWireError(error) }, Number.MAX_SAFE_INTEGER, 'an error');
}
