// A thin binding still checks its arguments: bad types throw TypeError, bad values RangeError,
// and nothing crashes the process.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadNative, type NativeBinding } from '../../src/native/binding.ts';

const native = loadNative()! as unknown as Record<keyof NativeBinding, (...args: unknown[]) => unknown>;

const typeErrors: Array<[keyof NativeBinding, unknown[]]> = [
  ['waitpid', ['1', false]],
  ['waitpid', [1, 'no']],
  ['waitpid', []],
  ['waitidNoWait', [null, true]],
  ['pidfdOpen', [{}]],
  ['pollReadable', [3, 0]],
  ['pollReadable', [['x'], 0]],
  ['pollReadable', [[], '0']],
  ['watchReadable', [0, 'cb']],
  ['watchReadable', ['0', () => {}]],
  ['exit', ['0']],
  ['setPdeathsig', [undefined]],
  ['kill', [1]],
  ['sendFds', [0, 'text', []]],
  ['sendFds', [0, new Uint16Array(2), []]],
  ['sendFds', [0, Buffer.from('x'), 'fds']],
  ['sendFds', [0, Buffer.from('x'), ['1']]],
  ['recvFds', [0, '1']],
  ['close', ['1']],
  ['dup', []],
  ['dup2', [1]],
  ['setCloexec', [1, 1]],
  ['setNonBlocking', [1]],
  ['functionLocation', [{}]],
  ['functionLocation', []],
  ['shmOpen', [1, 'open', 0]],
  ['shmOpen', ['/x', 'open', '0']],
  ['shmOpen', ['/x\0y', 'open', 0]],
  ['ftruncate', [1, '1']],
  ['fstatSize', [null]],
  ['mmapShared', [1, []]],
  ['shmUnlink', [1]],
  ['futexWait', [new Int32Array(4), 0, 0, 0]],
  ['futexWait', [new SharedArrayBuffer(4), 0, '0', 0]],
  ['futexWait', [new SharedArrayBuffer(4), 0, 0, null]],
  ['futexWake', [{}, 0, 1]],
  ['futexWake', [new SharedArrayBuffer(4), 0, '1']],
  ['watchLoopIdle', ['0', () => {}]],
  ['watchLoopIdle', [0, null]],
  ['tryRead', [0, 'text', 0, 1, 0]],
  ['tryRead', [0, new Uint16Array(2), 0, 1, 0]],
  ['tryRead', [0, Buffer.alloc(1), 0, 1, '0']],
  ['tryWrite', [0, 'text', 0, 1]],
  ['tryWrite', [0, new Float64Array(1), 0, 1]],
  ['tryWrite', ['0', Buffer.alloc(1), 0, 1]],
];

const rangeErrors: Array<[keyof NativeBinding, unknown[]]> = [
  ['waitpid', [1.5, true]],
  ['waitpid', [2 ** 40, true]],
  ['close', [-1]],
  ['dup', [NaN]],
  ['pidfdOpen', [0]],
  ['waitidNoWait', [-1, true]],
  ['pollReadable', [[], -2]],
  ['pollReadable', [[-1], 0]],
  ['recvFds', [0, 0]],
  ['ftruncate', [0, -1]],
  ['mmapShared', [0, 0]],
  ['futexWait', [new SharedArrayBuffer(4), 1, 0, 0]],
  ['futexWake', [new SharedArrayBuffer(4), 4, 1]],
  ['futexWake', [new SharedArrayBuffer(4), 0, -1]],
  ['dup2', [1, -1]],
  ['watchLoopIdle', [-1, () => {}]],
  ['tryRead', [0, Buffer.alloc(4), 2, 3, 0]],
  ['tryRead', [0, Buffer.alloc(4), 0, 1, -1]],
  ['tryRead', [-1, Buffer.alloc(4), 0, 1, 0]],
  ['tryWrite', [0, Buffer.alloc(4), 4, 1]],
  ['tryWrite', [0, Buffer.alloc(4), 0, 1.5]],
];

test('wrong types throw TypeError', () => {
  for (const [name, args] of typeErrors) {
    assert.throws(() => native[name](...args), TypeError, `${name}(${args.map(String).join(', ')})`);
  }
});

test('bad values throw RangeError', () => {
  for (const [name, args] of rangeErrors) {
    assert.throws(() => native[name](...args), RangeError, `${name}(${args.map(String).join(', ')})`);
  }
});

test('the messages name the argument', () => {
  assert.throws(() => native.waitpid('1', false), { message: 'Expected `pid` to be an integer, got string.' });
  assert.throws(() => native.sendFds(0, Buffer.from('x'), [1, 'x']), { message: 'Expected `fds[1]` to be an integer, got string.' });
});
