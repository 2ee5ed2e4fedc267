// The soak's decoder fuzzing (bench/soak/fuzz-*.ts), a few thousand cases per decoder: frames,
// the Pipe lane, the Queue ring and codec, the preparation message. `npm run soak` runs 100,000.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fuzzFrames } from '../../bench/soak/fuzz-frames.ts';
import { fuzzLane } from '../../bench/soak/fuzz-lane.ts';
import { fuzzPrep } from '../../bench/soak/fuzz-prep.ts';
import { fuzzQueue } from '../../bench/soak/fuzz-queue.ts';
import type { Row } from '../../bench/soak/row.ts';

const CASES = 3000;

function passes(r: Row): void {
  assert.equal(r.cases, CASES);
  assert.deepEqual(r.failures, [], `${r.failureCount} failures (${r.figures})`);
}

describe('decoder fuzz (the soak, shortened)', () => {
  it('frames: frames, values or FrameError; the decoder never holds more than a frame', () => passes(fuzzFrames(CASES)));
  it('Pipe lane: records inside the ring or FrameError', () => passes(fuzzLane(CASES)));
  it('Queue ring: a get never reads outside the frames held, a put never writes outside the ring, the mutex is always released', () => {
    const r = fuzzQueue(CASES);
    passes(r);
    assert.match(r.figures, /FrameError [1-9]/, 'impossible rings were met and refused');
  });
  it('preparation message: what a child or the fork server accepts is well formed', () => {
    const r = fuzzPrep(CASES);
    passes(r);
    assert.match(r.figures, /accepted [1-9]/, 'intact messages are still accepted');
  });
});
