// `multiproc worker`: a worker host for a cluster Pool (multiproc/cluster), until SIGTERM or
// SIGINT: the first finishes the running tasks and exits, a second hands them back at once
// (they run again on another host). On a terminal, a live line counts the tasks.
import { parseArgs } from 'node:util';

const usage = `Usage: multiproc worker (--redis URL | --socket PATH) --queue NAME [--processes N] [--prefetch N] [--root DIR]
                        [--lock-ms N] [--stalled-interval-ms N] [--max-payload-bytes N] [--connect-timeout-ms N]
  --redis URL              redis://[:password@]host:port[/db] (rediss:// for TLS)
  --socket PATH            Redis's unix socket instead of --redis
  --queue NAME             the queue the submitting Pool uses
  --processes N            local worker processes = tasks run at once (default: the CPU count)
  --prefetch N             tasks taken per process, the running ones included; 1: only what runs
                           (default: at least 4, more while tasks are shorter than a hand-off)
  --root DIR               where task modules are looked up (the project's root; default: cwd)
  --lock-ms N              a dead host's tasks run again elsewhere after this (default 30000)
  --stalled-interval-ms N  how often to look for dead hosts' tasks (default 30000)
  --max-payload-bytes N    largest result, serialized (default 64 MiB)
  --connect-timeout-ms N   give up when Redis cannot be reached for this long at start (default 30000)
TypeScript task modules: run it under tsx (node --import tsx node_modules/.bin/multiproc worker …).`;

/** Run `multiproc worker`; resolves with the exit code. */
export async function workerCommand(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        redis: { type: 'string' },
        socket: { type: 'string' },
        queue: { type: 'string' },
        processes: { type: 'string' },
        prefetch: { type: 'string' },
        root: { type: 'string' },
        'lock-ms': { type: 'string' },
        'stalled-interval-ms': { type: 'string' },
        'max-payload-bytes': { type: 'string' },
        'connect-timeout-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`multiproc worker: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (values.help === true) {
    console.log(usage);
    return 0;
  }
  if (typeof values.queue !== 'string' || (values.redis === undefined) === (values.socket === undefined)) {
    console.error(`multiproc worker: give --queue and one of --redis or --socket.\n${usage}`);
    return 2;
  }
  const number = (flag: string): number | undefined => {
    const text = values[flag];
    if (typeof text !== 'string') return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Expected \`--${flag}\` to be a positive integer, got \`${text}\`.`);
    return n;
  };
  const { serveWorker } = await import('../cluster/host.ts');
  let host: Awaited<ReturnType<typeof serveWorker>>;
  try {
    host = await serveWorker({
      ...(typeof values.redis === 'string' ? { redis: values.redis } : { redis: { path: values.socket as string } }),
      queue: values.queue,
      ...optional('processes', number('processes')),
      ...optional('prefetch', number('prefetch')),
      ...optional('root', values.root as string | undefined),
      ...optional('lockDurationMs', number('lock-ms')),
      ...optional('stalledIntervalMs', number('stalled-interval-ms')),
      ...optional('maxPayloadBytes', number('max-payload-bytes')),
      ...optional('connectTimeoutMs', number('connect-timeout-ms')),
    });
  } catch (error) {
    console.error(`multiproc worker: ${(error as Error).message}`);
    return 1;
  }
  // What `ps` and `multiproc ps` show: the queue and its Redis (never a password: see describeUrl).
  process.title = `multiproc: worker host ${host.queue} on ${host.where}`;
  console.log(`multiproc worker ${host.name}: serving queue '${host.queue}' on ${host.where} with ${host.pids.length} processes; ready`);
  const live = process.stdout.isTTY ? setInterval(() => showLine(host.stats), 500) : undefined;
  return new Promise((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      const force = signals > 1;
      const doing = force ? 'handing the running tasks back' : `finishing ${host.stats.running} running task(s) (again to hand them back)`;
      console.log(`\nmultiproc worker: ${signal}: ${doing}`);
      void host.close({ force }).then(() => {
        clearInterval(live);
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        console.log(`multiproc worker: stopped (${host.stats.done} done, ${host.stats.failed} failed)`);
        resolve(0);
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

function showLine(stats: { done: number; running: number; failed: number }): void {
  process.stdout.write(`\r\x1b[Kdone ${stats.done}  running ${stats.running}  failed ${stats.failed}`);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
