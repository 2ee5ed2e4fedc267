// An instance of a class exported by an ES module main, sent over a Connection, under each start
// method (src/main-evaluation.ts, src/classes.ts). A forked child cannot import its main module
// when it was forked before that module finished evaluating (a top-level await): the receive
// used to hang forever there; it now rejects with a TypeError that says what to do, and the class
// arrives when the main had finished, or was registered with registerClass. Whether the main calls
// isMain(import.meta) or not (the library watches the main named by process.argv[1]), and when
// the library is imported only after the main finished. Plain Node, on the build.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runNode } from '../fixtures/os-helpers.ts';
import { testedMethods } from '../helpers.ts';

const fixture = (name: string): string => new URL(`../fixtures/connection/${name}.mjs`, import.meta.url).pathname;
const main = fixture('main-class');
const built = existsSync(new URL('../../dist/index.js', import.meta.url));

async function run(method: string, mode: string, file = main): Promise<string> {
  const flags = method === 'fork' ? ['--single-threaded'] : [];
  const { code, stdout, stderr } = await runNode([...flags, file, method], {
    env: { ...process.env, MAIN_CLASS_MODE: mode },
    timeoutMs: 60_000,
  });
  assert.equal(code, 0, stderr);
  assert.match(stdout, /exitCode 0/);
  return /^reply (.*)$/m.exec(stdout)?.[1] ?? `no reply in ${stdout}`;
}

describe('a class exported by an ES module main, sent to a child', { skip: built ? false : 'dist/ is not built' }, () => {
  for (const method of testedMethods()) {
    it(`${method}: sent from the main's top-level await`, async () => {
      const reply = await run(method, 'tla');
      if (method === 'fork') {
        assert.match(reply, /^error TypeError: An instance of class `Point` arrived, but its class is exported by the main module/);
        assert.match(
          reply,
          /Call registerClass\(Point\) in the main module before starting the child, or define the class in a module of its own\./,
        );
      } else assert.equal(reply, 'norm 5');
    });
    it(`${method}: sent from the top-level await of a main that never calls isMain()`, async () => {
      const reply = await run(method, 'tla', fixture('main-class-unguarded'));
      if (method === 'fork')
        assert.match(reply, /^error TypeError: An instance of class `Point` arrived, but its class is exported by the main module/);
      else assert.equal(reply, 'norm 5');
    });
    it(`${method}: the library imported only after the main finished, a child started at once`, async () => {
      assert.equal(await run(method, 'later', fixture('main-class-dynamic')), 'norm 5');
    });
  }
  if (testedMethods().includes('fork')) {
    it('fork: sent once the main finished evaluating, it arrives as a Point', async () => {
      assert.equal(await run('fork', 'later'), 'norm 5');
    });
    it('fork: a class registered with registerClass arrives from the top-level await too', async () => {
      assert.equal(await run('fork', 'registered'), 'norm 5');
    });
  }
});
