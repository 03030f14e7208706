/**
 * Type-checks every ```ts example in the public doc comments (`src/**`), the guides (`docs/*.md`)
 * and `README.md`, and checks that every public export carries a doc comment (with an example for
 * layers, models, losses and trainers). The examples also run: run-doc-snippets.test.ts and
 * run-api-examples.test.ts in Node, test/browser/run.ts for the ```ts browser ones.
 *
 * Why: the examples are the first code users copy; an API change that breaks them must fail the
 * build like any other type error. They are checked as written, with no declared placeholders.
 * All examples are checked in a single `ts.createProgram` call so the run stays fast.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { collectSnippets, ENTRY_POINTS, KNOWN_TAGS, ROOT, toModule, where, type Snippet } from './snippets';

const TMP = join(ROOT, 'test', 'docs', '.tmp', 'typecheck');

function compilerOptions(): ts.CompilerOptions {
  const configPath = join(ROOT, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  return { ...parsed.options, noUnusedLocals: false, noUnusedParameters: false, noEmit: true };
}

function formatDiagnostic(d: ts.Diagnostic, ex: Snippet, preludeLines: number): string {
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
      const decl = sym.declarations?.find((d) => ts.isClassDeclaration(d) || ts.isFunctionDeclaration(d));
      if (!decl || seen.has(decl)) continue;
      seen.add(decl);
      const docs = ts
        .getJSDocCommentsAndTags(decl)
        .map((n) => n.getText())
        .join('\n');
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
  const examples = collectSnippets();
  rmSync(TMP, { recursive: true, force: true });
  mkdirSync(TMP, { recursive: true });
  const files = examples.map((ex, i) => {
    const fileName = join(TMP, `example-${String(i).padStart(3, '0')}.ts`);
    writeFileSync(fileName, toModule(ex, fileName));
    return fileName;
  });
  const program = ts.createProgram([...files, ...Object.values(ENTRY_POINTS)], compilerOptions());
  const preludeLines = 1; // the source-location comment line
  // The generated modules live under test/, which the root tsconfig includes: remove them.
  afterAll(() => rmSync(TMP, { recursive: true, force: true }));

  it('finds the examples', () => {
    expect(examples.length).toBeGreaterThan(50);
  });

  it('every fence tag is a known one', () => {
    const unknown = examples
      .filter((ex) => ex.tags.some((t) => !KNOWN_TAGS.has(t)))
      .map((ex) => `${where(ex)}: ${ex.tags.join(' ')}`);
    expect(unknown, `known tags: ${[...KNOWN_TAGS].join(', ')}`).toEqual([]);
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
