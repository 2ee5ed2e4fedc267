// Fuzzing the frame decoder (src/wire/protocol.ts) and a Connection's reader with bad input:
// random bytes, truncated, oversized and wrong-tag frames, corrupt payloads. Every outcome is a
// frame, a typed FrameError, or waiting for more bytes; never another error, a crash, a hang,
// or memory beyond the frame limit. Deterministic: a seeded generator (the seed is in the names).
import assert from 'node:assert/strict';
import { writeSync } from 'node:fs';
import { serialize } from 'node:v8';
import { describe, it } from 'node:test';
import { ConnectionClosedError, FrameError } from '../../src/index.ts';
import { openConnection } from '../../src/connection/connection.ts';
import { loadNative } from '../../src/native/binding.ts';
import {
  decodeJson,
  decodeObject,
  encodeBytes,
  encodeObject,
  FrameDecoder,
  HEADER_SIZE,
  parseHeader,
  Tag,
} from '../../src/wire/protocol.ts';
import { feed, random, randomBytes } from './fuzz-input.ts';

const SEED = 0x5eed;

describe(`frame decoder fuzz (seed ${SEED})`, () => {
  it('random bytes: frames or FrameError, nothing else, memory bounded by the limit', () => {
    const next = random(SEED);
    let errors = 0;
    for (let round = 0; round < 2000; round++) {
      const decoder = new FrameDecoder(4096);
      const { error } = feed(decoder, randomBytes(next, Math.floor(next() * 2000)), next);
      if (error !== null) errors++;
    }
    assert.ok(errors > 1000, 'random input is refused most of the time');
  });

  it('a header announcing more than the limit is refused as soon as the header is in, before the payload', () => {
    for (const length of [4097, 1 << 20, 0x7fffffff, 0xffffffff]) {
      const decoder = new FrameDecoder(4096);
      const header = Buffer.alloc(HEADER_SIZE);
      header.writeUInt32BE(length, 0);
      header[4] = Tag.bytes;
      assert.deepEqual(decoder.push(header.subarray(0, 4)), []);
      assert.throws(() => decoder.push(header.subarray(4)), {
        name: 'FrameError',
        message: new RegExp(`announces ${length} bytes, over the limit of 4096`),
      });
    }
  });

  it('unknown tags are refused (a Connection takes only object, bytes, json and handles frames, and empty control frames)', () => {
    const decoderTags: number[] = [Tag.object, Tag.bytes, Tag.started]; // what the fork server and spawn channels carry
    for (let tag = 0; tag < 256; tag++) {
      const frame = Buffer.from([0, 0, 0, 1, tag, 0]);
      if (decoderTags.includes(tag)) assert.equal(new FrameDecoder().push(frame).length, 1);
      else assert.throws(() => new FrameDecoder().push(frame), { name: 'FrameError', message: new RegExp(`unknown tag ${tag}`) });
      if (tag === Tag.object || tag === Tag.bytes || tag === Tag.json || tag === Tag.handles)
        assert.deepEqual(parseHeader(frame), { tag, length: 1 });
      else if (tag === Tag.wake || tag === Tag.laneReturn) {
        assert.throws(() => parseHeader(frame), {
          name: 'FrameError',
          message: new RegExp(`control frame \\(tag ${tag}\\) carries 1 bytes`),
        });
        assert.deepEqual(parseHeader(Buffer.from([0, 0, 0, 0, tag])), { tag, length: 0 });
      } else assert.throws(() => parseHeader(frame), { name: 'FrameError', message: new RegExp(`unknown tag ${tag}`) });
    }
  });

  it('valid frames split anywhere decode to what was sent; truncated ones wait for the rest', () => {
    const next = random(SEED + 1);
    const values = [0, 'text', { a: [1, 2n, new Map([[1, new Set(['x'])]])] }, new Float64Array([1, NaN]), undefined, null, new Date(3)];
    const stream = Buffer.concat([...values.map((value) => encodeObject(value)), encodeBytes(Buffer.from('raw'))]);
    for (let round = 0; round < 300; round++) {
      const decoder = new FrameDecoder();
      const frames = [];
      for (let offset = 0; offset < stream.length;) {
        const size = 1 + Math.floor(next() * 40);
        frames.push(...decoder.push(stream.subarray(offset, offset + size)));
        offset += size;
      }
      assert.equal(frames.length, values.length + 1);
      frames.slice(0, -1).forEach((frame, i) => assert.deepEqual(decodeObject(frame.payload), values[i]));
      assert.equal(String(frames.at(-1)?.payload), 'raw');
      assert.equal(decoder.buffered, 0);
    }
    for (let cut = 0; cut < stream.length; cut += 7) {
      const decoder = new FrameDecoder();
      decoder.push(stream.subarray(0, cut));
      assert.ok(decoder.buffered <= cut);
    }
  });

  it('corrupt json payloads: decodeJson gives a value or a FrameError', () => {
    const next = random(SEED + 4);
    for (let round = 0; round < 3000; round++) {
      const text =
        round % 2 === 0 ? JSON.stringify({ a: [round, 'x'] }).slice(0, Math.floor(next() * 20)) : randomBytes(next, 16).toString('latin1');
      try {
        decodeJson(Buffer.from(text));
      } catch (error) {
        assert.ok(error instanceof FrameError, `not a FrameError: ${String(error)}`);
      }
    }
  });

  it('corrupt object payloads: decodeObject gives a value or a FrameError, never runs code', () => {
    const next = random(SEED + 2);
    const header = serialize(null).subarray(0, 2); // a valid v8 serializer version header
    let decoded = 0;
    for (let round = 0; round < 5000; round++) {
      const body = randomBytes(next, Math.floor(next() * 64));
      const payload = round % 2 === 0 ? Buffer.concat([header, body]) : body;
      try {
        const value = decodeObject(payload);
        assert.notEqual(typeof value, 'function');
        decoded++;
      } catch (error) {
        assert.ok(error instanceof FrameError, `not a FrameError: ${String(error)}`);
      }
    }
    assert.ok(decoded > 0 && decoded < 5000);
  });
});

const native = loadNative();

describe(`Connection reader fuzz (seed ${SEED})`, { skip: native === null ? 'the native addon is not built' : false }, () => {
  it('garbage on the wire ends in values, FrameError or ConnectionClosedError, never a hang', async () => {
    const next = random(SEED + 3);
    for (let round = 0; round < 60; round++) {
      const [x, y] = (native as NonNullable<typeof native>).socketpair();
      const conn = openConnection(y, { readable: true, writable: true, native: native as NonNullable<typeof native>, maxFrame: 64 * 1024 });
      const garbage = randomBytes(next, Math.floor(next() * 4000));
      if (round % 3 === 0) garbage[4] = Tag.object; // sometimes a plausible header
      writeSync(x, garbage);
      (native as NonNullable<typeof native>).close(x);
      for (;;) {
        const outcome = await Promise.race([
          (round % 2 === 0 ? conn.recv() : conn.recvBytes()).then(
            () => 'value',
            (error: unknown) => {
              if (error instanceof FrameError) return 'frame-error';
              if (error instanceof ConnectionClosedError) return 'closed';
              throw error;
            },
          ),
          new Promise((resolve) => setTimeout(resolve, 5000, 'hang')),
        ]);
        assert.notEqual(outcome, 'hang');
        if (outcome === 'closed') break;
        if (
          outcome === 'frame-error' &&
          (await conn.recv().then(
            () => false,
            (e: unknown) => e instanceof FrameError,
          ))
        )
          break; // corrupt stream: closed for good
      }
      conn.close();
    }
  });
});
