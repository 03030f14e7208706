/**
 * The TypeScript snippets of the documentation: the ```ts fences of `README.md` and `docs/*.md`
 * and the `@example` fences of the doc comments in `src/**`, how they are collected, and how a
 * snippet becomes a module that imports the sources instead of the built package.
 *
 * A fence may carry tags after the language: ```ts browser marks a snippet that needs a browser
 * (it runs in Chromium in `npm run test:browser`, see browser-snippets.ts, and is type-checked
 * here); ```ts packed-app marks a file of a bundled app in docs/browser.md, which
 * test/browser/packed-apps.ts builds from the packed tarball and runs in Chromium; ```ts own-test
 * marks a snippet that reads a file users download (published weights), which its own test runs
 * on a small fixture in its place; ```ts browser isolated runs its page cross-origin isolated
 * (COOP/COEP headers). Every other snippet runs in Node (run-snippets.test.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Entry points as users import them, mapped to their source files. */
export const ENTRY_POINTS: Record<string, string> = {
  'tfjs-synth': join(ROOT, 'src', 'index.ts'),
  'tfjs-synth/patchmatch': join(ROOT, 'src', 'patchmatch', 'index.ts'),
  'tfjs-synth/node': join(ROOT, 'src', 'node', 'index.ts'),
};

/** The fence tags a snippet may carry. */
export const KNOWN_TAGS = new Set(['browser', 'isolated', 'packed-app', 'own-test']);

/** Whether a snippet runs in Node (untagged) rather than in Chromium. */
export function runsInNode(s: Snippet): boolean {
  return !s.tags.includes('browser') && !s.tags.includes('packed-app') && !s.tags.includes('own-test');
}

export interface Snippet {
  /** Repository-relative path of the file the snippet is in. */
  file: string;
  /** Line of the opening fence. */
  line: number;
  code: string;
  tags: string[];
  /** 'docs' for README.md and docs/*.md, 'api' for doc comments in src/. */
  kind: 'docs' | 'api';
}

export function where(s: Snippet): string {
  return `${s.file}:${s.line}`;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (p.endsWith(join('patchmatch', 'assembly')) || p.endsWith(join('patchmatch', 'generated'))) continue;
      walk(p, out);
    } else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) {
      out.push(p);
    }
  }
  return out;
}

/** Extracts the ```ts / ```typescript fences of a list of lines (already stripped of comment stars). */
function fences(lines: string[], firstLine: number, file: string, kind: Snippet['kind']): Snippet[] {
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*```(ts|typescript)\b(.*)$/.exec(lines[i]!);
    if (!open) continue;
    let j = i + 1;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j]!)) j++;
    const tags = open[2]!.trim().split(/\s+/).filter(Boolean);
    out.push({ file, line: firstLine + i, code: lines.slice(i + 1, j).join('\n'), tags, kind });
    i = j;
  }
  return out;
}

/** Every snippet of src/ doc comments ('api'), then of docs/*.md and README.md ('docs'). */
export function collectSnippets(): Snippet[] {
  const snippets: Snippet[] = [];
  for (const file of walk(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    const rel = relative(ROOT, file);
    for (const m of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
      const startLine = text.slice(0, m.index).split('\n').length;
      const lines = m[0].split('\n').map((l) => l.replace(/^\s*\/?\*+\/?( ?)/, '').replace(/\*\/\s*$/, ''));
      snippets.push(...fences(lines, startLine, rel, 'api'));
    }
  }
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((n) => n.endsWith('.md'))
    .sort()
    .map((n) => join(ROOT, 'docs', n));
  for (const file of [join(ROOT, 'README.md'), ...docs]) {
    const lines = readFileSync(file, 'utf8').split('\n');
    snippets.push(...fences(lines, 1, relative(ROOT, file), 'docs'));
  }
  return snippets;
}

/**
 * The snippet as a module written at `fileName`: `tfjs-synth` imports point at the sources, and
 * the relative imports of internal helpers' examples at their files. The first line names the
 * snippet's origin, so the code starts on line 2. With `doneFlag`, the module ends by setting
 * `globalThis[doneFlag] = true`.
 */
export function toModule(s: Snippet, fileName: string, doneFlag?: string): string {
  const local = s.code.replace(/(from\s+|import\s*\(\s*|import\s+)(['"])(\.\.?\/[^'"]+)\2/g, (_s, pre, q, spec) => {
    let rel = relative(dirname(fileName), resolve(ROOT, dirname(s.file), spec as string)).replace(/\\/g, '/');
    if (!rel.startsWith('.')) rel = `./${rel}`;
    return `${pre}${q}${rel}${q}`;
  });
  const code = local.replace(
    /(from\s+|import\s*\(\s*|import\s+)(['"])(tfjs-synth(?:\/node|\/patchmatch)?)\2/g,
    (_s, pre, q, spec) => {
      let rel = relative(dirname(fileName), ENTRY_POINTS[spec as string]!)
        .replace(/\\/g, '/')
        .replace(/\.ts$/, '');
      if (!rel.startsWith('.')) rel = `./${rel}`;
      return `${pre}${q}${rel}${q}`;
    },
  );
  // With doneFlag, the last statement sets that global: the runner checks that the whole snippet ran.
  const done = doneFlag ? `(globalThis as Record<string, unknown>)[${JSON.stringify(doneFlag)}] = true;\n` : '';
  return `// ${where(s)}\n${code}\n${done}export {};\n`;
}
