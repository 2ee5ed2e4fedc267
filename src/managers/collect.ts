// A full garbage collection in the manager's process, so the references its objects hold to
// other shared objects (NestedRef) are given back once nothing stores them: exactly when a
// client asks for the object count, and every 2 s while such references exist and requests came.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null = null;

/** Run a full GC and let the finalizers it queued run; false when GC cannot be forced here. */
export async function collectNow(): Promise<boolean> {
  try {
    gc ??= typeof (globalThis as { gc?: unknown }).gc === 'function' ? (globalThis as unknown as { gc: () => void }).gc : exposeGc();
    gc();
  } catch {
    return false;
  }
  // FinalizationRegistry callbacks run in tasks of their own after the collection.
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  return true;
}

function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Collect every `periodMs` while `wanted()` says there may be garbage references (unref'd). */
export function collectPeriodically(wanted: () => boolean, periodMs = 2000): () => void {
  const timer = setInterval(() => {
    if (wanted()) void collectNow();
  }, periodMs);
  timer.unref();
  return () => clearInterval(timer);
}
