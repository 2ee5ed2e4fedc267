// Mutated preparation messages (src/bootstrap/preparation-message.ts), decoded the ways a child and the fork
// server decode them: a spawned child reads the first frame of its channel, decodes it and
// checks it with isPreparationData; the fork server decodes a request, checks it
// (expectForkRequest: `start` or `preload`, and their fields), and checks a `start`'s message. A message the checks accept is used as
// it is (runPrepared reads its fields before anything can catch an error), so whatever they
// accept must be well formed: every field of the type it claims. Anything else must be refused:
// a FrameError, or false from the check.
import { isPreparationData, PREP_VERSION, type PreparationData } from '../../src/bootstrap/preparation-message.ts';
import {
  decodeObject,
  encodeObject,
  expectForkRequest,
  FrameDecoder,
  type ForkRequest,
  type PreloadRequest,
} from '../../src/wire/protocol.ts';
import { feed, random } from '../../test/wire/fuzz-input.ts';
import { Failures, row, type Row } from './row.ts';
import { mutate, unexpected } from './mutate.ts';

const target = { url: 'file:///app/targets.mjs', exportName: 'work', line: 3, column: 17, display: 'work (file:///app/targets.mjs:3:17)' };

/** A preparation message as a launcher builds it (src/preparation.ts). */
function validPrep(): PreparationData {
  return {
    version: PREP_VERSION,
    name: 'Process-1:2',
    identity: [1, 2],
    daemon: false,
    parentPid: 4242,
    parentName: 'Process-1',
    startMethod: 'spawn',
    cls: null,
    target,
    payload: new Uint8Array([0xff, 0x0f, 0x6f, 0x22, 0x04, 0x61, 0x72, 0x67, 0x73, 0x41, 0x00, 0x24, 0x00, 0x00, 0x7b, 0x01]),
    handles: [{ kind: 'connection', data: { readable: true, writable: true }, fds: [3, 4] }],
    argv: ['/usr/bin/node', '/app/main.js', '--flag'],
    cwd: '/app',
    authkey: new Uint8Array(32).fill(7),
    env: { PATH: '/usr/bin', HOME: '/app' },
    stdio: 'pipe',
    logLevel: null,
  };
}

const isString = (v: unknown) => typeof v === 'string';
const isNumberArray = (v: unknown) => Array.isArray(v) && v.every((n) => Number.isInteger(n));
const isRef = (v: unknown) =>
  v === null ||
  (typeof v === 'object' &&
    ['url', 'exportName', 'display'].every((k) => isString((v as Record<string, unknown>)[k])) &&
    ['line', 'column'].every((k) => typeof (v as Record<string, unknown>)[k] === 'number'));

/** The first field of `prep` that is not what PreparationData says, or null. */
export function malformedField(prep: Record<string, unknown>): string | null {
  const checks: Record<string, (v: unknown) => boolean> = {
    name: isString,
    identity: isNumberArray,
    daemon: (v) => typeof v === 'boolean',
    parentPid: Number.isInteger,
    parentName: isString,
    startMethod: (v) => v === 'spawn' || v === 'fork' || v === 'forkserver',
    cls: isRef,
    target: isRef,
    payload: (v) => v instanceof Uint8Array,
    handles: (v) =>
      Array.isArray(v) &&
      v.every(
        (h) =>
          typeof h === 'object' &&
          h !== null &&
          isString((h as Record<string, unknown>)['kind']) &&
          isNumberArray((h as Record<string, unknown>)['fds']),
      ),
    argv: (v) => Array.isArray(v) && v.every(isString),
    cwd: isString,
    authkey: (v) => v instanceof Uint8Array,
    env: (v) => v === null || (typeof v === 'object' && !Array.isArray(v) && Object.values(v).every(isString)),
    stdio: (v) => v === 'inherit' || v === 'pipe' || v === 'ignore',
    logLevel: (v) => v === null || Number.isInteger(v),
  };
  for (const [field, check] of Object.entries(checks)) if (!check(prep[field])) return field;
  return null;
}

/** `count` cases: mutated spawn channels and fork-server requests. */
export function fuzzPrep(count: number, seed = 0x9e9): Row {
  const startedAt = performance.now();
  const failures = new Failures();
  const next = random(seed);
  const spawnFrame = encodeObject(validPrep());
  const serverFrame = encodeObject({ type: 'start', prep: validPrep(), fdCount: 2 } satisfies ForkRequest);
  const preloadFrame = encodeObject({ type: 'preload', urls: ['file:///app/a.mjs', 'file:///app/b.ts'] } satisfies PreloadRequest);
  const outcomes = { accepted: 0, refused: 0 };
  for (let i = 0; i < count; i++) {
    try {
      const asServer = i % 2 === 1;
      const { frames } = feed(new FrameDecoder(), mutate(asServer ? (i % 6 === 5 ? preloadFrame : serverFrame) : spawnFrame, next), next);
      const frame = frames[0];
      if (frame === undefined) {
        outcomes.refused++;
        continue;
      }
      let message: unknown;
      try {
        message = decodeObject(frame.payload);
        if (asServer) {
          const request = expectForkRequest(message);
          if (request.type === 'preload') {
            if (!Array.isArray(request.urls) || !request.urls.every((url) => typeof url === 'string'))
              throw new Error(`the fork server accepts a preload request whose urls are ${JSON.stringify(request.urls)}`);
            outcomes.accepted++;
            continue;
          }
          if (!Number.isInteger(request.fdCount))
            throw new Error(`the fork server accepts a start request whose fdCount is ${String(request.fdCount)}`);
          message = request.prep;
        }
      } catch (error) {
        if (!(error instanceof Error && error.name === 'FrameError')) throw error;
        outcomes.refused++;
        continue;
      }
      if (!isPreparationData(message)) {
        outcomes.refused++;
        continue;
      }
      const bad = malformedField(message as unknown as Record<string, unknown>);
      if (bad !== null)
        throw new Error(
          `isPreparationData accepts a message whose \`${bad}\` is ${JSON.stringify((message as unknown as Record<string, unknown>)[bad])?.slice(0, 60)}`,
        );
      outcomes.accepted++;
    } catch (error) {
      failures.add(unexpected(i, seed, error));
    }
  }
  return row(
    'fuzz',
    'preparation message (preparation-message.ts)',
    count,
    failures,
    `accepted ${outcomes.accepted}, refused ${outcomes.refused}`,
    startedAt,
  );
}
