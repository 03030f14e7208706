import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/patchmatch');
// src/core imports nothing (test/import-graph.test.ts), so patchmatch may use it.
const core = resolve(root, '../core');

it('tfjs-synth/patchmatch imports nothing outside src/patchmatch and src/core (no tfjs)', () => {
  const seen = new Set<string>();
  const external: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    // Comments (doc examples) are not imports.
    const text = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    for (const m of text.matchAll(
      /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
    )) {
      const spec = m[1] ?? m[2]!;
      if (!spec.startsWith('.')) {
        external.push(`${file}: ${spec}`);
        continue;
      }
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      if (!target.startsWith(root) && !target.startsWith(core)) external.push(`${file}: ${spec}`);
      else visit(target);
    }
  };
  visit(join(root, 'index.ts'));
  expect(seen.size).toBeGreaterThan(5);
  expect(external).toEqual([]);
});

it('the modules of tfjs-synth/patchmatch import each other without cycles (type-only imports aside)', () => {
  // Depth-first search over the relative value imports of src/patchmatch (`import type` is erased
  // at compile time); a module met again while it is still on the path closes a cycle.
  const imports = (file: string): string[] => {
    const text = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    const out: string[] = [];
    for (const m of text.matchAll(/(?:import|export)\s([^'"]*?)from\s+['"](\.[^'"]+)['"]/g)) {
      if (m[1]!.startsWith('type ')) continue;
      const target = resolve(dirname(file), m[2]!.replace(/\.js$/, '.ts'));
      if (target.startsWith(root) && !target.includes('/generated/')) out.push(target);
    }
    return out;
  };
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]) => {
    const s = state.get(file);
    if (s === 'done') return;
    if (s === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].map((f) => f.slice(root.length + 1)).join(' -> '));
      return;
    }
    state.set(file, 'open');
    for (const next of imports(file)) visit(next, [...path, file]);
    state.set(file, 'done');
  };
  visit(join(root, 'index.ts'), []);
  expect(state.size).toBeGreaterThan(10);
  expect(cycles).toEqual([]);
});
