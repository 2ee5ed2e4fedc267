// examples/09-pool-trace.ts runs (it imports 'multiproc', i.e. the build: `npm run build` first;
// npm test does) and writes a trace whose slices match its calls, with the worker it kills.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { it } from 'node:test';
import type { TraceDocument } from '../../src/index.ts';
import { readJson, runScript, tempPath } from '../helpers.ts';

const example = new URL('../../examples/09-pool-trace.ts', import.meta.url).pathname;
const built = existsSync(new URL('../../dist/index.js', import.meta.url));

it(
  'examples/09-pool-trace.ts: a trace file with a slice per item or chunk, a death, a replacement',
  { skip: built ? false : 'dist/ is not built' },
  async () => {
    const path = tempPath('example-trace.json');
    const { code, stdout, stderr } = await runScript(example, [path], { asUser: true });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /apply\(crash\): WorkerLostError/);
    assert.match(stdout, /worker \d+ \(pid \d+\): \d+ task slices, .*worker died/);
    assert.ok(stdout.includes(`trace written to ${path}`));
    assert.match(stdout, /ui\.perfetto\.dev/);
    const { traceEvents } = readJson<TraceDocument>(path);
    const work = traceEvents.filter((e) => e.ph === 'X' && e.cat === 'task' && e.name === 'work');
    const byCall = (id: number) => work.filter((e) => e.args?.call === id);
    assert.equal(byCall(1).length, 9);
    assert.equal(byCall(2).length, 6);
    assert.deepEqual(
      byCall(2).reduce((n, e) => n + Number(e.args?.count), 0),
      24,
    );
    assert.equal(byCall(4).length, 3);
    assert.equal(traceEvents.filter((e) => e.ph === 'i' && e.name === 'worker died' && e.args?.signal === 'SIGKILL').length, 1);
    assert.equal(traceEvents.filter((e) => e.ph === 'i' && e.name === 'replacement').length, 1);
  },
);
