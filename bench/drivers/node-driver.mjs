// A long-lived Node helper for rows that need their own process flags (`--single-threaded` for
// multiproc's fork, `--import tsx` for .ts targets). Usage:
//   node [flags] bench/drivers/node-driver.mjs <handlers module, relative to the repo root>
// It imports the handlers module and answers requests on stdin with responses on stdout,
// in the protocol described in bench/lib/driver.mjs.
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { writeSync } from 'node:fs';
import { MARK } from '../lib/driver.mjs';

const handlers = await import(pathToFileURL(resolve(process.argv[2])).href);

// writeSync on fd 1: synchronous, so a response is never left in a buffer that a fork would copy.
const reply = (msg) => writeSync(1, `${MARK}${JSON.stringify(msg)}\n`);

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const { id, cmd, params } = JSON.parse(line);
  try {
    const fn = handlers[cmd];
    if (typeof fn !== 'function') throw new Error(`unknown command ${cmd}`);
    reply({ id, ok: true, value: (await fn(params)) ?? null });
  } catch (err) {
    reply({ id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
}
// stdin closed: the runner is done with us. Exit explicitly, whatever handles remain.
if (typeof handlers.shutdown === 'function') await handlers.shutdown();
process.exit(0);
