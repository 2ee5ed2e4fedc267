// The error hierarchy's fields (src/errors.ts): present when known (null included), absent, not
// `undefined`, when not, so util.inspect shows only what the error knows.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { it } from 'node:test';
import { ConnectionClosedError, ProcessError, SerializationError, TimeoutError, WorkerLostError, waitReady } from '../src/index.ts';

it('inspects without undefined fields, keeping the known ones and null', () => {
  const bare = new ProcessError('bare');
  assert.doesNotMatch(inspect(bare), /undefined/);
  assert.equal(bare.pid, undefined);
  assert.deepEqual(Object.keys(bare), ['name']);
  const lost = new WorkerLostError('lost', { pid: 12, exitCode: null, signal: 'SIGKILL' });
  assert.match(inspect(lost), /pid: 12,\n\s+exitCode: null,\n\s+signal: 'SIGKILL'\n/);
  assert.doesNotMatch(inspect(lost), /undefined|startMethod/);
  assert.doesNotMatch(inspect(new TimeoutError('t', { startMethod: 'spawn' })), /undefined/);
  assert.match(inspect(new SerializationError('args[0]', 'm')), /path: 'args\[0\]'/);
  assert.doesNotMatch(inspect(new ConnectionClosedError('c', 'peer')), /undefined/);
  assert.equal(lost instanceof ProcessError, true);
});

it('names the class of an object that is not plain data in a type error (JSON shows it as `{}`)', async () => {
  await assert.rejects(waitReady([new Map()] as never, 0), {
    name: 'TypeError',
    message: 'Expected `objects[…]` to be a Connection, a Listener or a Process, got `{}` (a Map).',
  });
  await assert.rejects(waitReady([{}] as never, 0), {
    message: 'Expected `objects[…]` to be a Connection, a Listener or a Process, got `{}` (object).',
  });
});
