// Runs every ```ts snippet of docs/patchmatch.md and of the doc comments in src/patchmatch as
// written (with 'tfjs-synth/patchmatch' resolved to the source), and checks the values their
// `console.log(...); // value` lines promise.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const entry = join(root, 'src/patchmatch/index.ts');
const tmp = mkdtempSync(join(tmpdir(), 'patchmatch-snippets-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Snippet {
  readonly where: string;
  readonly code: string;
}

function fences(text: string, where: string): Snippet[] {
  const out: Snippet[] = [];
  for (const m of text.matchAll(/^[ \t]*```ts[^\n]*\n([\s\S]*?)^[ \t]*```/gm)) {
    const line = text.slice(0, m.index).split('\n').length;
    out.push({ where: `${where}:${line}`, code: m[1]! });
  }
  return out;
}

function snippets(): Snippet[] {
  const all = fences(readFileSync(join(root, 'docs/patchmatch.md'), 'utf8'), 'docs/patchmatch.md');
  const dir = join(root, 'src/patchmatch');
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) {
    const text = readFileSync(join(dir, name), 'utf8');
    // Doc comments only, with their leading " * " removed.
    for (const c of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
      const body = c[1]!.split('\n').map((l) => l.replace(/^\s*\* ?/, '')).join('\n');
      all.push(...fences(body, `src/patchmatch/${name}`));
    }
  }
  return all;
}

/** The values promised by `console.log(...); // value` lines (plain values only). */
function promised(code: string): string[] {
  const out: string[] = [];
  for (const m of code.matchAll(/console\.log\(.*\);?\s*\/\/ ([\w .-]+)$/gm)) out.push(m[1]!.trim());
  return out;
}

describe('PatchMatch doc snippets', () => {
  const all = snippets();
  it('finds the snippets', () => {
    expect(all.length).toBeGreaterThanOrEqual(4);
  });

  it.each(all.map((s) => [s.where, s] as const))('%s runs as written', async (_, snippet) => {
    const file = join(tmp, `${snippet.where.replace(/[^\w]+/g, '-')}.ts`);
    writeFileSync(file, snippet.code.replaceAll(`'tfjs-synth/patchmatch'`, JSON.stringify(entry)) + '\nexport {};\n');
    const logged: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
    try {
      await import(pathToFileURL(file).href);
    } finally {
      spy.mockRestore();
    }
    let at = 0;
    for (const value of promised(snippet.code)) {
      const found = logged.indexOf(value, at);
      expect(found, `${snippet.where} logs ${value}`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
  });
});
