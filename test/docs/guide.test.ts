// The guide (docs/guide/en, docs/guide/ru) cannot rot: every ```ts block of every page runs as a
// user runs it (a project with "type": "module" where `multiproc` is installed; `npx tsx`, or
// `multiproc run` for blocks marked run="multiproc") and must exit 0 printing what its
// `<!-- test expect="…" -->` line says; a block marked excerpt="path" must be a piece of that
// file. The Russian pages must have the same pages and the same code as the English ones.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { spawn } from 'node:child_process';
import { runScript, trackPid } from '../helpers.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const guide = join(root, 'docs', 'guide');
const built = existsSync(join(root, 'dist', 'index.js'));

/** One code block of a page, with the test line above it. */
interface Block {
  page: string;
  line: number;
  lang: string;
  code: string;
  directives: { run?: string; excerpt?: string; expect: string[] };
}

function blocksOf(path: string): Block[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i] as string);
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i] as string);
    const directives: Block['directives'] = { expect: [] };
    const above = start > 0 ? (lines[start - 1] as string) : '';
    const comment = /^<!-- test (.*) -->$/.exec(above);
    if (comment !== null) {
      for (const [, key, value] of (comment[1] as string).matchAll(/(\w+)="([^"]*)"/g)) {
        if (key === 'expect') directives.expect.push(value as string);
        else if (key === 'run' || key === 'excerpt') directives[key] = value as string;
        else assert.fail(`${path}:${start}: unknown test directive ${key}`);
      }
    }
    blocks.push({ page: path, line: start + 1, lang: open[1] ?? '', code: body.join('\n') + '\n', directives });
  }
  return blocks;
}

// `npx multiproc run file.ts`: plain node (none of this test process's flags), in the project.
function runPlain(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
    trackPid(child.pid ?? 0);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const pages = readdirSync(join(guide, 'en')).filter((name) => name.endsWith('.md')).sort();

describe('the guide in Russian', () => {
  it('has every English page, with the same code blocks', () => {
    assert.deepEqual(readdirSync(join(guide, 'ru')).filter((name) => name.endsWith('.md')).sort(), pages);
    for (const page of pages) {
      const code = (lang: string) => blocksOf(join(guide, lang, page)).filter((b) => b.lang === 'ts').map((b) => ({ code: b.code, directives: b.directives }));
      assert.deepEqual(code('ru'), code('en'), `docs/guide/ru/${page}: its TypeScript blocks (and their test lines) must be the English page's`);
    }
  });
});

// A project as a user has it: package.json "type": "module", multiproc and tsx in node_modules.
const project = mkdtempSync(join(tmpdir(), 'multiproc-guide-'));
after(() => rmSync(project, { recursive: true, force: true }));
mkdirSync(join(project, 'node_modules'));
symlinkSync(root, join(project, 'node_modules', 'multiproc'));
symlinkSync(join(root, 'node_modules', 'tsx'), join(project, 'node_modules', 'tsx'));
writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'guide-reader', private: true, type: 'module' }));

for (const page of pages) {
  describe(`docs/guide/en/${page}`, () => {
    for (const block of blocksOf(join(guide, 'en', page)).filter((b) => b.lang === 'ts')) {
      const { run, excerpt, expect } = block.directives;
      const name = `the block at line ${block.line}`;
      if (excerpt !== undefined) {
        it(`${name} is a piece of ${excerpt}`, () => {
          const source = readFileSync(join(root, excerpt), 'utf8');
          for (const line of block.code.split('\n')) if (line.trim() !== '') assert.ok(source.includes(line), `${excerpt} has no line ${JSON.stringify(line)}`);
        });
        continue;
      }
      it(`${name} runs${expect.length > 0 ? ` and prints ${expect.map((e) => JSON.stringify(e)).join(', ')}` : ''}`, { skip: built ? false : 'dist/ is not built' }, async () => {
        const file = join(project, `${page.replace(/\.md$/, '')}-${block.line}.ts`);
        writeFileSync(file, block.code);
        const result =
          run === 'multiproc'
            ? await runPlain([join(root, 'dist', 'cli', 'main.js'), 'run', file])
            : await runScript(file, [], { asUser: true, cwd: project });
        assert.equal(result.code, 0, `exit ${result.code ?? result.signal}\n${result.stdout}\n${result.stderr}`);
        for (const text of expect) assert.ok(result.stdout.includes(text), `stdout lacks ${JSON.stringify(text)}:\n${result.stdout}\n${result.stderr}`);
      });
    }
  });
}
