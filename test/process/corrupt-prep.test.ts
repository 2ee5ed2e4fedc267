// A spawned child whose channel (fd 3) carries something other than a preparation message: a
// corrupt frame, an undecodable payload, or a message of the right version with malformed
// fields. It must say so on stderr and exit 1, never die on an uncaught error or use the fields.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { PREP_VERSION } from '../../src/bootstrap/preparation-message.ts';
import { entryPath } from '../../src/paths.ts';
import { encodeObject, HEADER_SIZE, Tag } from '../../src/wire/protocol.ts';

function runSpawnMain(channel: Buffer): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const nodeOptions = process.execArgv.filter((option) => !option.startsWith('--test'));
    const child = spawn(process.execPath, [...nodeOptions, entryPath('bootstrap/spawn-main')], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
    const fd3 = child.stdio[3] as Writable;
    fd3.on('error', () => undefined);
    fd3.write(channel); // left open: end of file alone would end the child as an orphan
  });
}

const frame = (tag: number, payload: Buffer) => {
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt32BE(payload.length, 0);
  header[4] = tag;
  return Buffer.concat([header, payload]);
};

const cases: [string, Buffer][] = [
  ['a frame of an unknown tag', frame(0x77, Buffer.from('nothing'))],
  ['an object frame that does not deserialize', frame(Tag.object, Buffer.from([0xff, 0x0f, 0x6f, 0x22, 0x99]))],
  ['a message of this version with malformed fields', encodeObject({ version: PREP_VERSION, name: 7, identity: 'x', argv: null })],
  ['a message of another version', encodeObject({ version: PREP_VERSION + 1 })],
];

describe('a spawned child given a corrupt or malformed preparation message', () => {
  for (const [what, channel] of cases) {
    it(`${what}: says so and exits 1`, async () => {
      const { code, stderr } = await runSpawnMain(channel);
      assert.equal(code, 1, stderr);
      assert.match(stderr, /the preparation message is malformed or of another version/);
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack of an uncaught error');
    });
  }
});
