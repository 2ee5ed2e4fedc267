// BullMQ (and the ioredis it brings) is an optional peer dependency: loaded here, once, with an
// error that says how to install it. createRequire works the same from the ESM and CJS builds.
import { createRequire } from 'node:module';
import { ProcessError } from '../errors.ts';

/** The parts of BullMQ and ioredis multiproc/cluster uses. */
export interface Engine {
  bullmq: typeof import('bullmq');
  Redis: typeof import('ioredis').Redis;
}

let engine: Engine | undefined;

/** BullMQ and ioredis; throws a ProcessError saying `npm install bullmq` when they are missing. */
export function loadEngine(): Engine {
  if (engine !== undefined) return engine;
  const require = createRequire(import.meta.url);
  try {
    const bullmq = require('bullmq') as typeof import('bullmq');
    const ioredis = require('ioredis') as typeof import('ioredis');
    engine = { bullmq, Redis: ioredis.Redis };
  } catch (error) {
    throw new ProcessError(
      'multiproc/cluster runs on BullMQ over Redis, and BullMQ is not installed: run `npm install bullmq` (it brings ioredis) ' +
        'in your project, on the submitting machine and on every worker host.',
      { cause: error },
    );
  }
  return engine;
}
