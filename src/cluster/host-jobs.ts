// On a worker host: what a job needs before it may run — a task of this protocol version, a
// start within the submitter's maxAttempts, a function this host can import — checked before it
// waits for a process. A job that fails a check ends with its error as its result (a task's
// error is data, not a BullMQ failure: it must not be retried).
import type { Job } from 'bullmq';
import { WorkerLostError } from '../errors.ts';
import { encodeError } from './batch-runner.ts';
import type { HeldJob } from './batches.ts';
import { localReference } from './route.ts';
import type { TaskFunctions } from './task-functions.ts';
import { decode, WIRE_VERSION, type JobData, type TaskPayload } from './wire.ts';

/** The job ready to run, or its encoded failure. */
export async function prepareJob(job: Job<JobData>, functions: TaskFunctions, root: string, host: string): Promise<HeldJob | string> {
  const id = job.id ?? '?';
  let task: TaskPayload;
  try {
    task = decode<TaskPayload>(job.data.p);
  } catch (error) {
    return encodeError(error, host);
  }
  if (task.v !== WIRE_VERSION)
    return encodeError(
      new Error(
        `Task ${id} was sent by a multiproc speaking version ${task.v} of the cluster protocol; ` +
          `this host (${host}) speaks ${WIRE_VERSION}: run the same multiproc version everywhere.`,
      ),
      host,
    );
  // attemptsStarted counts this start: the starts before it were on hosts lost while running it.
  if (job.attemptsStarted > task.maxAttempts) {
    const lost = job.attemptsStarted - 1;
    return encodeError(
      new WorkerLostError(
        `Task ${id} (${task.fn.display}) was started on ${lost} worker host(s), each lost (killed or cut off from Redis) before it finished; ` +
          `maxAttempts is ${task.maxAttempts}. Task functions should be idempotent: a lost host's task runs again elsewhere.`,
      ),
      host,
    );
  }
  try {
    await functions.get(task.fn); // here, for an error naming the module, the export and the host
  } catch (error) {
    return encodeError(error, host);
  }
  const items = Array.isArray(task.items) ? task.items.length : task.items.f64.length;
  return {
    entry: { ref: localReference(task.fn, root), payload: job.data.p, id },
    key: `${task.fn.path}#${task.fn.exportName}`,
    items,
  };
}
