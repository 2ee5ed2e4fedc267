// Reading a lane whose shared memory may be corrupt (the lane test's fuzz and the soak's,
// bench/soak/fuzz-lane.ts): every record peek() gives lies inside the ring and within the
// payload limit; anything else is a FrameError. Never a read outside the ring.
import assert from 'node:assert/strict';
import { LANE_MAX_PAYLOAD, type Lane } from '../../src/connection/lane.ts';
import { FrameError } from '../../src/wire/protocol.ts';

/** Reads up to `steps` records of `lane` as a receiver would; returns how it ended. */
export function readCorruptLane(lane: Lane, steps = 4): 'records' | 'empty' | 'frame-error' {
  for (let step = 0; step < steps; step++) {
    let kind: number;
    try {
      kind = lane.peek();
    } catch (error) {
      assert.ok(error instanceof FrameError, String(error));
      return 'frame-error';
    }
    if (kind < 0) return 'empty';
    assert.ok(lane.at >= 0 && lane.length >= 0 && lane.at + lane.length <= lane.bytes.length, `record at ${lane.at}, ${lane.length} bytes`);
    assert.ok(lane.length <= LANE_MAX_PAYLOAD);
    lane.advance();
  }
  return 'records';
}
