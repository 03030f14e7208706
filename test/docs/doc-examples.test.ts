/**
 * Type-checks every ```ts example in the public doc comments (`src/**`), the guides (`docs/*.md`)
 * and `README.md`, and checks that every public export carries a doc comment (with an example for
 * layers, models, losses and trainers).
 *
 * Why: the examples are the first code users copy; an API change that breaks them must fail the
 * build like any other type error. All examples are checked in a single `ts.createProgram` call
 * so the run stays fast.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TMP = join(ROOT, 'test', 'docs', '.tmp');

/** Entry points as users import them, mapped to their source files. */
const ENTRY_POINTS: Record<string, string> = {
  'tfjs-synth': join(ROOT, 'src', 'index.ts'),
  'tfjs-synth/patchmatch': join(ROOT, 'src', 'patchmatch', 'index.ts'),
  'tfjs-synth/node': join(ROOT, 'src', 'node', 'index.ts'),
};

/**
 * Global placeholders (a separate script file, so an example may still declare its own `mask`)
 * that an example may use for the user's own data. Kept deliberately short: an
 * example should be self-contained unless it is about data the reader brings.
 */
const PRELUDE = [
  '// The user\'s own RGBA images (a canvas ImageData works), as the PatchMatch examples use them.',
  'declare const imageData: { readonly width: number; readonly height: number; readonly data: Uint8ClampedArray };',
  'declare const source: typeof imageData, target: typeof imageData, sample: typeof imageData;',
  '// The user\'s hole mask for inpainting (nonzero = fill).',
  'declare const mask: { readonly width: number; readonly height: number; readonly data: Uint8Array };',
].join('\n');

/** Fence info strings that opt out of checking, e.g. ```ts no-check (reason given next to it). */
const NO_CHECK = /\bno-check\b/;

interface Example {
  file: string;
  line: number;
  code: string;
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
function fences(lines: string[], firstLine: number, file: string): Example[] {
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*```(ts|typescript)\b(.*)$/.exec(lines[i]!);
    if (!open) continue;
    let j = i + 1;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j]!)) j++;
    if (!NO_CHECK.test(open[2]!)) {
      out.push({ file, line: firstLine + i, code: lines.slice(i + 1, j).join('\n') });
    }
    i = j;
  }
  return out;
}

function collectExamples(): Example[] {
  const examples: Example[] = [];
  for (const file of walk(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    const rel = relative(ROOT, file);
    for (const m of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
      const startLine = text.slice(0, m.index).split('\n').length;
      const lines = m[0].split('\n').map((l) => l.replace(/^\s*\/?\*+\/?( ?)/, '').replace(/\*\/\s*$/, ''));
      examples.push(...fences(lines, startLine, rel));
    }
  }
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((n) => n.endsWith('.md'))
    .map((n) => join(ROOT, 'docs', n));
  for (const file of [...docs, join(ROOT, 'README.md')]) {
    const lines = readFileSync(file, 'utf8').split('\n');
    examples.push(...fences(lines, 1, relative(ROOT, file)));
  }
  return examples;
}

function compilerOptions(): ts.CompilerOptions {
  const configPath = join(ROOT, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  return { ...parsed.options, noUnusedLocals: false, noUnusedParameters: false, noEmit: true };
}

function toModule(ex: Example, fileName: string): string {
  // Examples of internal helpers import them relative to their own file.
  const local = ex.code.replace(/(from\s+|import\s*\(\s*|import\s+)(['"])(\.\.?\/[^'"]+)\2/g, (_s, pre, q, spec) => {
    let rel = relative(dirname(fileName), resolve(ROOT, dirname(ex.file), spec as string)).replace(/\\/g, '/');
    if (!rel.startsWith('.')) rel = `./${rel}`;
    return `${pre}${q}${rel}${q}`;
  });
  const code = local.replace(/(from\s+|import\s*\(\s*|import\s+)(['"])(tfjs-synth(?:\/node|\/patchmatch)?)\2/g, (_s, pre, q, spec) => {
    let rel = relative(dirname(fileName), ENTRY_POINTS[spec as string]!).replace(/\\/g, '/').replace(/\.ts$/, '');
    if (!rel.startsWith('.')) rel = `./${rel}`;
    return `${pre}${q}${rel}${q}`;
  });
  return `// ${ex.file}:${ex.line}\n${code}\nexport {};\n`;
}

function formatDiagnostic(d: ts.Diagnostic, ex: Example, preludeLines: number): string {
  const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  if (d.file && d.start !== undefined) {
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    // The code starts on the line after the fence, and after the prelude in the generated module.
    return `  ${ex.file}:${ex.line + 1 + line - preludeLines}: TS${d.code} ${msg}`;
  }
  return `  ${ex.file}:${ex.line}: TS${d.code} ${msg}`;
}

/** Names of exported classes/functions of an entry point (namespaces expanded), with their doc text. */
function undocumentedExports(program: ts.Program): { missingDoc: string[]; missingExample: string[] } {
  const checker = program.getTypeChecker();
  const missingDoc: string[] = [];
  const missingExample: string[] = [];
  const needsExample = /[\\/]src[\\/](layers|models|losses|training)[\\/]/;
  const seen = new Set<ts.Declaration>();

  const visit = (moduleSymbol: ts.Symbol, prefix: string): void => {
    for (const exp of checker.getExportsOfModule(moduleSymbol)) {
      const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
      const name = `${prefix}${exp.getName()}`;
      if (sym.flags & ts.SymbolFlags.ValueModule) {
        visit(sym, `${name}.`);
        continue;
      }
      const decl = sym.declarations?.find(
        (d) => ts.isClassDeclaration(d) || ts.isFunctionDeclaration(d),
      );
      if (!decl || seen.has(decl)) continue;
      seen.add(decl);
      const docs = ts.getJSDocCommentsAndTags(decl).map((n) => n.getText()).join('\n');
      const where = `${name} (${relative(ROOT, decl.getSourceFile().fileName)})`;
      if (!docs.trim()) {
        missingDoc.push(where);
        continue;
      }
      // Classes and camelCase factories of layers, models, losses and trainers need an example.
      const isClassOrFactory = ts.isClassDeclaration(decl) || /^[a-z]/.test(exp.getName());
      if (isClassOrFactory && needsExample.test(decl.getSourceFile().fileName) && !/```(ts|typescript)/.test(docs)) {
        missingExample.push(where);
      }
    }
  };

  for (const entry of Object.values(ENTRY_POINTS)) {
    const sf = program.getSourceFile(entry);
    const sym = sf && checker.getSymbolAtLocation(sf);
    if (sym) visit(sym, entry.includes('patchmatch') ? 'patchmatch:' : entry.includes('node') ? 'node:' : '');
  }
  return { missingDoc, missingExample };
}

describe('documentation examples', () => {
  const examples = collectExamples();
  rmSync(TMP, { recursive: true, force: true });
  mkdirSync(TMP, { recursive: true });
  const files = examples.map((ex, i) => {
    const fileName = join(TMP, `example-${String(i).padStart(3, '0')}.ts`);
    writeFileSync(fileName, toModule(ex, fileName));
    return fileName;
  });
  const placeholders = join(TMP, 'placeholders.d.ts');
  writeFileSync(placeholders, `${PRELUDE}\n`);
  const program = ts.createProgram([placeholders, ...files, ...Object.values(ENTRY_POINTS)], compilerOptions());
  const preludeLines = 1; // the source-location comment line
  // The generated modules live under test/, which the root tsconfig includes: remove them.
  afterAll(() => rmSync(TMP, { recursive: true, force: true }));

  it('finds the examples', () => {
    expect(examples.length).toBeGreaterThan(50);
  });

  it('every ```ts example type-checks', () => {
    const failures: string[] = [];
    files.forEach((fileName, i) => {
      const sf = program.getSourceFile(fileName)!;
      const diags = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
      if (diags.length) {
        const ex = examples[i]!;
        failures.push(`${ex.file}:${ex.line}\n${diags.map((d) => formatDiagnostic(d, ex, preludeLines)).join('\n')}`);
      }
    });
    expect(failures, `${failures.length} of ${examples.length} examples fail:\n${failures.join('\n')}`).toEqual([]);
  }, 60_000);

  it('no example uses a @deprecated name (examples show the current names)', () => {
    const checker = program.getTypeChecker();
    const uses: string[] = [];
    files.forEach((fileName, i) => {
      const sf = program.getSourceFile(fileName)!;
      const visit = (n: ts.Node): void => {
        if (ts.isIdentifier(n)) {
          let sym = checker.getSymbolAtLocation(n);
          if (sym && sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
          if (sym?.declarations?.some((d) => ts.getJSDocDeprecatedTag(d) !== undefined)) {
            uses.push(`${examples[i]!.file}:${examples[i]!.line}: ${n.text}`);
          }
        }
        ts.forEachChild(n, visit);
      };
      visit(sf);
    });
    expect(uses).toEqual([]);
  });

  it('every public class and function has a doc comment (with an example for layers, models, losses, trainers)', () => {
    const { missingDoc, missingExample } = undocumentedExports(program);
    expect(missingDoc, `exports without a doc comment:\n${missingDoc.join('\n')}`).toEqual([]);
    expect(missingExample, `exports without a \`\`\`ts example:\n${missingExample.join('\n')}`).toEqual([]);
  });
});
