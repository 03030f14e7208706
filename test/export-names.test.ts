/**
 * One name, one thing: where two namespaces of `tfjs-synth` export the same name (a layer class
 * at the top level and in `layers`, say), both must be the same declaration. Two different types
 * under one name (as `metrics.FeatureExtractor` and the former `losses.FeatureExtractor` were)
 * read the same in user code and docs, and only one of them is meant. Deprecated aliases, which
 * keep an old name for one minor version, are left out (test/deprecated-aliases.test.ts).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

it('no two namespaces of tfjs-synth export different things under one name', () => {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (p) => ts.sys.readFile(p));
  const options = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT).options;
  const entry = join(ROOT, 'src', 'index.ts');
  const program = ts.createProgram([entry], { ...options, noEmit: true });
  const checker = program.getTypeChecker();
  const byName = new Map<string, Map<ts.Symbol, string[]>>();
  const visit = (moduleSymbol: ts.Symbol, prefix: string): void => {
    for (const exp of checker.getExportsOfModule(moduleSymbol)) {
      const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
      if (sym.flags & ts.SymbolFlags.ValueModule) {
        visit(sym, `${prefix}${exp.getName()}.`);
        continue;
      }
      if (sym.declarations?.some((d) => ts.getJSDocDeprecatedTag(d) !== undefined)) continue;
      const things = byName.get(exp.getName()) ?? new Map<ts.Symbol, string[]>();
      things.set(sym, [...(things.get(sym) ?? []), `${prefix}${exp.getName()}`]);
      byName.set(exp.getName(), things);
    }
  };
  visit(checker.getSymbolAtLocation(program.getSourceFile(entry)!)!, '');
  expect(byName.size).toBeGreaterThan(250);
  const clashes = [...byName.values()]
    .filter((things) => things.size > 1)
    .map((things) => [...things.values()].map((where) => where.join(' = ')).join(' vs '));
  expect(clashes).toEqual([]);
}, 60_000);
